package stream

import (
	"strconv"

	"github.com/chaintap/chaintap/sql"
)

// position orders an input record among the others of its query, for
// LATEST_BY_OFFSET and EARLIEST_BY_OFFSET. A chain record's is its place
// in the chain (block number, then index in the block), so that "latest"
// means latest on the chain whatever partition or order the records came
// in, and after a reorg the replacement blocks' records follow the ones
// below the fork. A derived record carries its input's position in a
// header; any other record's is its offset (ksqlDB's meaning).
func (t *task) position(r Record, row sql.Row) int64 {
	if h := r.Header(HeaderPosition); h != nil {
		if p, err := strconv.ParseInt(string(h), 10, 64); err == nil {
			return p
		}
	}
	if t.spec.chainBlock >= 0 {
		b, okB := row[t.spec.chainBlock].(int64)
		i, okI := int64(0), true
		if t.spec.chainIndex >= 0 {
			i, okI = row[t.spec.chainIndex].(int64)
		}
		if okB && okI && b >= 0 && i >= 0 && i < 1<<positionShift {
			return b<<positionShift | i
		}
	}
	return r.Offset
}
