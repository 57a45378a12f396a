package stream

import (
	"bytes"
	"strconv"

	"github.com/chaintap/chaintap/sql"
)

var (
	opUpsert  = []byte("upsert")
	opRetract = []byte(OpRetract)
)

// project writes a non-aggregating query's output. A table's output
// follows its input key by key: an update is an upsert, a row that leaves
// (deleted, retracted, or no longer passing WHERE) a tombstone. A stream's
// output mirrors its input record by record: a retracted input retracts
// the record it produced (tombstone, op=retract, the same key and id).
func (t *task) project(r Record, id []byte, c change, emit func(Output)) {
	sink := t.spec.plan.Sink.Topic
	if t.spec.plan.ResultKind == sql.Table {
		if c.oldOut != nil && (c.curOut == nil || !bytes.Equal(c.oldOut.key, c.curOut.key)) {
			emit(Output{Topic: sink, Key: c.oldOut.key, Timestamp: c.oldOut.ts})
		}
		if c.curOut != nil {
			emit(Output{Topic: sink, Key: c.curOut.key, Value: c.curOut.value, Timestamp: c.curOut.ts})
		}
		return
	}
	if c.oldOut != nil {
		emit(Output{Topic: sink, Key: c.oldOut.key, Timestamp: c.oldOut.ts, Headers: t.headers(opRetract, id, c.old.seq)})
	}
	if c.curOut != nil {
		emit(Output{Topic: sink, Key: c.curOut.key, Value: c.curOut.value, Timestamp: c.curOut.ts, Headers: t.headers(opUpsert, id, c.cur.seq)})
	}
}

// rekey writes what the row contributes to its group (the group, the
// arguments, the windows: not the row) to the repartition topic under the
// group's key; the aggregating stage reads it from there. A replaced
// contribution is retracted there first, under its own (old) group's key.
func (t *task) rekey(r Record, id []byte, c change, emit func(Output)) {
	if c.oldOut != nil {
		emit(Output{Topic: t.spec.repartition, Key: c.oldOut.key, Timestamp: c.oldOut.ts, Headers: t.headers(opRetract, id, c.old.seq)})
	}
	if c.curOut != nil {
		emit(Output{Topic: t.spec.repartition, Key: c.curOut.key, Value: c.curOut.appendBinary(nil), Timestamp: c.curOut.ts,
			Headers: t.headers(opUpsert, id, c.cur.seq)})
	}
}

// headers of a derived record: its input's position and, when its input
// can be retracted, its op and the input's identity so the retraction can
// name it.
func (t *task) headers(op, id []byte, pos int64) []Header {
	p := Header{Key: HeaderPosition, Value: strconv.AppendInt(nil, pos, 10)}
	if !t.spec.retracting {
		return []Header{p}
	}
	return []Header{{Key: HeaderOp, Value: op}, {Key: HeaderID, Value: id}, p}
}
