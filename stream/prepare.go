package stream

import (
	"bytes"
	"encoding/binary"
	"slices"

	"github.com/chaintap/chaintap/sql"
)

// prepared is what a row leads to in its stage's mode, computed before
// any state changes so that an expression that fails on a row leaves
// everything as it was.
type prepared struct {
	// modeProject: the output record's key and value.
	// modeRekey: the repartition key (value is the row itself).
	key, value []byte
	// modeAggregate: the group's values, its store key (without window),
	// each aggregate's argument, the window starts.
	group   sql.Row
	groupID []byte
	args    []sql.Value
	windows []int64
	// ts is the row's event time: its outputs' record timestamp.
	ts int64
}

func (t *task) prepare(row sql.Row) (*prepared, error) {
	pr, err := t.prepareMode(row)
	if err != nil {
		return nil, err
	}
	pr.ts = t.eventTime(row)
	return pr, nil
}

func (t *task) prepareMode(row sql.Row) (*prepared, error) {
	p := t.spec.plan
	switch t.spec.mode {
	case modeRekey:
		// The re-key values are only encoded: evaluate them into scratch.
		vals := slices.Grow(t.rowBuf[:0], len(p.Rekey))[:len(p.Rekey)]
		t.rowBuf = vals
		if err := evalInto(vals, p.Rekey, row); err != nil {
			return nil, err
		}
		key := appendValues(nil, vals)
		clear(vals) // keep no values alive
		pr, err := t.prepareAggregate(row)
		if err != nil {
			return nil, err
		}
		pr.key = key
		return pr, nil
	case modeAggregate:
		return t.prepareAggregate(row)
	default:
		out, err := evalAll(p.Project, row)
		if err != nil {
			return nil, err
		}
		key, err := t.outputKey(out, 0, false)
		if err != nil {
			return nil, err
		}
		return &prepared{key: key, value: sql.AppendJSON(nil, p.Output, out)}, nil
	}
}

func (t *task) prepareAggregate(row sql.Row) (*prepared, error) {
	a := t.spec.plan.Aggregate
	// The group's values and the arguments share one allocation.
	vals := make(sql.Row, len(a.GroupBy)+len(a.Aggregates))
	group := vals[:len(a.GroupBy):len(a.GroupBy)]
	if err := evalInto(group, a.GroupBy, row); err != nil {
		return nil, err
	}
	t.buf = appendValues(t.buf[:0], group)
	pr := &prepared{group: group, groupID: bytes.Clone(t.buf), args: vals[len(a.GroupBy):]}
	var err error
	for i, call := range a.Aggregates {
		if call.Arg == nil {
			continue // COUNT(*)
		}
		if pr.args[i], err = call.Arg.Eval(row); err != nil {
			return nil, err
		}
	}
	if a.Window != nil {
		pr.windows = windowStarts(a.Window, t.eventTime(row))
		if pr.windows == nil {
			pr.windows = []int64{} // windowed, in no window (cannot happen: every time has one)
		}
	}
	return pr, nil
}

// eventTime is the row's time in ms, for windows and as its outputs'
// record timestamp (as ksqlDB carries ROWTIME on): the source's TIMESTAMP
// column when it declares one, else the record's timestamp (ROWTIME).
func (t *task) eventTime(row sql.Row) int64 {
	ts := t.rawEventTime(row)
	if t.spec.seconds && t.spec.plan.From.TimestampColumn >= 0 {
		ts *= 1000
	}
	return ts
}

func (t *task) rawEventTime(row sql.Row) int64 {
	from := t.spec.plan.From
	idx := from.Offset + len(from.Source.Schema.Columns) + sql.PseudoRowtime
	if from.TimestampColumn >= 0 {
		idx = from.Offset + from.TimestampColumn
	}
	switch v := row[idx].(type) {
	case int64:
		return v
	case sql.Timestamp:
		return int64(v)
	case int32:
		return int64(v)
	}
	return 0
}

// outputKey encodes the output row's key columns in the sink's key format,
// with the window start appended for a windowed sink.
func (t *task) outputKey(out sql.Row, windowStart int64, windowed bool) ([]byte, error) {
	p := t.spec.plan
	var keyCols []sql.Column
	var keyVals sql.Row
	for i, c := range p.Output.Columns {
		if c.Key {
			keyCols = append(keyCols, c)
			keyVals = append(keyVals, out[i])
		}
	}
	key, err := sql.EncodeKey(p.Sink.KeyFormat, keyCols, keyVals)
	if err != nil || !windowed {
		return key, err
	}
	return sql.AppendTimeWindowedKey(nil, key, windowStart), nil
}

func evalAll(exprs []*sql.CompiledExpr, row sql.Row) (sql.Row, error) {
	out := make(sql.Row, len(exprs))
	if err := evalInto(out, exprs, row); err != nil {
		return nil, err
	}
	return out, nil
}

// evalInto evaluates exprs over row into out, which has their length.
func evalInto(out sql.Row, exprs []*sql.CompiledExpr, row sql.Row) error {
	for i, e := range exprs {
		v, err := e.Eval(row)
		if err != nil {
			return err
		}
		out[i] = v
	}
	return nil
}

// appendValues encodes values for a store or repartition key: equal
// values give equal bytes. INT widens to BIGINT so that a lookup by an
// INT expression finds a BIGINT key of the same number.
func appendValues(dst []byte, vals sql.Row) []byte {
	for _, v := range vals {
		if i, ok := v.(int32); ok {
			v = int64(i)
		}
		dst = sql.AppendValue(dst, v)
	}
	return dst
}

// windowStarts lists the starts of the windows holding time ts, oldest
// first: one for TUMBLING, SIZE/ADVANCE for HOPPING, epoch-aligned.
func windowStarts(w *sql.WindowSpec, ts int64) []int64 {
	advance := w.Size
	if w.Kind == sql.WindowHopping {
		advance = w.Advance
	}
	// The first multiple of advance after ts - size (SIZE need not be a
	// multiple of ADVANCE BY).
	first := ts - w.Size + 1
	first += mod(-first, advance)
	var out []int64
	for s := first; s <= ts; s += advance {
		out = append(out, s)
	}
	return out
}

// mod is the non-negative remainder, for times before the epoch.
func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// be64 is a big-endian int64 whose bytes sort as the numbers do.
func be64(n int64) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(n)^(1<<63))
}
