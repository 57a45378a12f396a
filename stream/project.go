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
func (t *task) project(id []byte, old, cur *effect, emit func(Output)) {
	sink := t.spec.plan.Sink.Topic
	if t.spec.plan.ResultKind == sql.Table {
		if old != nil && (cur == nil || !bytes.Equal(old.out.key, cur.out.key)) {
			emit(Output{Topic: sink, Key: old.out.key, Timestamp: old.out.ts})
		}
		if cur != nil {
			emit(Output{Topic: sink, Key: cur.out.key, Value: cur.out.value, Timestamp: cur.out.ts})
		}
		return
	}
	if old != nil {
		emit(Output{Topic: sink, Key: old.out.key, Timestamp: old.out.ts, Headers: t.headers(opRetract, id, old.seq)})
	}
	if cur != nil {
		emit(Output{Topic: sink, Key: cur.out.key, Value: cur.out.value, Timestamp: cur.out.ts, Headers: t.headers(opUpsert, id, cur.seq)})
	}
}

// rekey writes what the row contributes to its group (the group, the
// arguments, the windows: not the row) to the repartition topic under the
// group's key; the aggregating stage reads it from there. A replaced
// contribution is retracted there first, under its own (old) group's key,
// with op=retract and the contribution itself as the value (not a
// tombstone), so that the aggregating stage can subtract it without
// having remembered it.
func (t *task) rekey(id []byte, old, cur *effect, emit func(Output)) {
	if old != nil {
		emit(Output{Topic: t.spec.repartition, Key: old.out.key, Value: t.binaryOf(old.out), Timestamp: old.out.ts,
			Headers: t.headers(opRetract, id, old.seq)})
	}
	if cur != nil {
		emit(Output{Topic: t.spec.repartition, Key: cur.out.key, Value: t.binaryOf(cur.out), Timestamp: cur.out.ts,
			Headers: t.headers(opUpsert, id, cur.seq)})
	}
}

// binaryOf is p.appendBinary in one allocation of its size (encoded in
// the task's scratch buffer first).
func (t *task) binaryOf(p *prepared) []byte {
	t.buf = p.appendBinary(t.buf[:0])
	return bytes.Clone(t.buf)
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
