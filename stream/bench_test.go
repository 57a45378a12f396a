package stream

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkGroupByHeadView runs records through a re-keying GROUP BY over
// the head view (each contribution remembered for retraction until final,
// four blocks on) in memory, both stages, with allocations reported per
// input record.
func BenchmarkGroupByHeadView(b *testing.B) {
	const ddl = `CREATE STREAM ch (id VARCHAR KEY, grp VARCHAR, v BIGINT, block_number BIGINT, log_index BIGINT)
  WITH (KAFKA_TOPIC='ch', VALUE_FORMAT='JSON');
CREATE TABLE o AS SELECT grp, COUNT(*) AS n, LATEST_BY_OFFSET(v) AS lv FROM ch GROUP BY grp EMIT CHANGES;`
	head := func(string) bool { return true }
	chain := func(string) (string, string, bool) { return "BLOCK_NUMBER", "LOG_INDEX", true }
	window := func(string) int64 { return 4 }
	_, stages := compileWith(b, ddl, Options{Retracting: head, ChainPosition: chain, ReorgWindow: window})
	l := NewLocal(stages, func(Output) {})
	const n = 1 << 14
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = Record{Topic: "ch", Offset: int64(i), Key: fmt.Appendf(nil, "r%d", i), Headers: []Header{{Key: HeaderOp, Value: opUpsert}},
			Value: fmt.Appendf(nil, `{"grp":"g%d","v":%d,"block_number":%d,"log_index":%d}`, i%1000, i, 1000+i/20, i%20)}
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r := recs[i%n]
		r.Offset = int64(i)
		if i >= n { // later laps: later blocks, so contributions go final
			r.Value = fmt.Appendf(nil, `{"grp":"g%d","v":%d,"block_number":%d,"log_index":%d}`, i%1000, i, 1000+i/20, i%20)
		}
		if err := l.Feed(ctx, r); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
