package stream

import (
	"github.com/chaintap/chaintap/sql"
)

// A two-sided join (stream–stream or table–table) is a stage whose input
// rows are not the records themselves but the joined rows they make: one
// record may make many (a stream record matching several of the other
// side's), and a record of either side may change or remove rows the other
// made. Each joined row has its own derived identity (a pair of input
// identities, or the join key of two tables), and goes through the
// stage's usual path under it: what it contributed is remembered by that
// identity and undone when the row goes away, so projections, re-keys and
// aggregates after the join need nothing join-specific.

// Store key spaces of a two-sided join's task, besides the stage's own
// (prefixEffect, prefixGroup): the current rows of the two tables (and
// which left rows point at a right key), the stream sides' buffers, what
// each buffered record is and matched, when it expires, and the task's
// stream time.
const (
	prefixSideRow = 'T' // table–table: side, join key → the side's row and position
	prefixForeign = 'f' // foreign-key table–table: foreign key, left key → present()
	prefixBuffer  = 'b' // stream–stream: side, join key, time, id → present()
	prefixInfo    = 'i' // stream–stream: side, id → the record (see windowRecord)
	prefixMatch   = 'm' // stream–stream: side, id, other side's id → present()
	prefixExpiry  = 'x' // stream–stream: side, expiry time, id → present()
	prefixTime    = 's' // stream–stream: the stream time
)

// joinSpec is what a stage's two-sided join needs besides the plan.
type joinSpec struct {
	// seconds: each side's TIMESTAMP column counts seconds (a chain's
	// block_timestamp), so its times are multiplied by 1000.
	seconds [2]bool
	// retracting: each side's records can be retracted, so a record's
	// identity is what its retraction names (else its offset).
	retracting [2]bool
}

// twoSided returns the plan's join when it is the stage's only join and a
// stream–stream or table–table one (Compile rejects other combinations),
// nil otherwise.
func twoSided(p *sql.QueryPlan) *sql.JoinStep {
	if len(p.Joins) != 1 || p.Joins[0].Type == sql.StreamTable {
		return nil
	}
	return p.Joins[0]
}

// newJoinSpec prepares a stage's two-sided join, nil when it has none.
func newJoinSpec(p *sql.QueryPlan, o Options) *joinSpec {
	j := twoSided(p)
	if j == nil {
		return nil
	}
	secs := func(s *sql.Scan) bool {
		return o.SecondsTimestamp != nil && s.TimestampColumn >= 0 && o.SecondsTimestamp(s.Source.Topic)
	}
	return &joinSpec{
		seconds:    [2]bool{secs(p.From), secs(j.Right)},
		retracting: [2]bool{retractable(p.From, o), retractable(j.Right, o)},
	}
}

// retractable reports whether a scan's records can be retracted: a table's
// rows can always go, a stream's when Options.Retracting says so.
func retractable(s *sql.Scan, o Options) bool {
	return s.Source.Kind == sql.Table || o.Retracting(s.Source.Topic)
}

// derived is one joined row's change: the row under identity id is now
// row (nil: the row is gone), at position seq.
type derived struct {
	id  []byte
	seq int64
	row sql.Row
	// ts, when not zero, is the joined row's event time, the latest of
	// its records' (ksqlDB's ROWTIME of a join result): its outputs'
	// timestamp and its windows' time, in place of the FROM side's.
	ts  int64
	cur *effect // worked out by prepareAll
}

// prepareAll works out what each change's row leads to (WHERE, then the
// stage's mode), before any state changes: an error means the record that
// caused the changes is bad and nothing may change.
func (t *task) prepareAll(changes []*derived) error {
	for _, d := range changes {
		if d.row == nil {
			continue
		}
		if w := t.spec.plan.Where; w != nil {
			ok, err := w.Eval(d.row)
			if err != nil {
				return err
			}
			if ok != true {
				continue
			}
		}
		out, err := t.prepare(d.row)
		if err != nil {
			return err
		}
		if d.ts != 0 {
			out.ts = d.ts
			if out.windows != nil {
				out.windows = windowStarts(t.spec.plan.Aggregate.Window, d.ts)
			}
		}
		d.cur = &effect{seq: d.seq, out: out}
	}
	return nil
}

// applyAll replaces each derived identity's remembered contribution with
// its prepared one and emits the consequences.
func (t *task) applyAll(changes []*derived, st Store, emit func(Output)) error {
	for _, d := range changes {
		var old *effect
		if t.spec.retracting {
			var err error
			if old, err = t.loadEffect(st, d.id); err != nil {
				return err
			}
		}
		if old == nil && d.cur == nil {
			continue
		}
		if t.spec.retracting {
			if err := t.saveEffect(st, d.id, d.cur); err != nil {
				return err
			}
		}
		if err := t.apply(d.id, old, d.cur, st, emit); err != nil {
			return err
		}
	}
	return nil
}

// joinedRow places side rows (nil: absent, NULLs) in a row of the plan's
// joined layout.
func joinedRow(p *sql.QueryPlan, left, right sql.Row) sql.Row {
	row := make(sql.Row, p.InputWidth)
	if left != nil {
		copy(row[p.From.Offset:], left)
	}
	if right != nil {
		copy(row[p.Joins[0].Right.Offset:], right)
	}
	return row
}

// sideOf is 0 when topic is the join's left (FROM) input, 1 when it is the
// right one.
func sideOf(p *sql.QueryPlan, topic string) int {
	if topic == p.From.Source.Topic {
		return 0
	}
	return 1
}

// sideScan is the scan of a join side.
func sideScan(p *sql.QueryPlan, side int) *sql.Scan {
	if side == 0 {
		return p.From
	}
	return p.Joins[0].Right
}

// sideRow decodes and assembles a record's scan row on its side.
func (t *task) sideRow(r Record, side int) (sql.Row, error) {
	scan := sideScan(t.spec.plan, side)
	dec := t.dec
	if side == 1 {
		dec = t.tables[0]
	}
	value, err := dec.Decode(r.Value)
	if err != nil {
		return nil, err
	}
	var key sql.Row
	if kc := scan.Source.KeyColumns(); len(kc) > 0 {
		if key, err = sql.DecodeKey(scan.Source.KeyFormat, kc, r.Key); err != nil {
			return nil, err
		}
	}
	return scan.Assemble(key, value, sql.RecordMeta{Timestamp: r.Timestamp, Partition: r.Partition, Offset: r.Offset}), nil
}

// sideKey evaluates a side's join expression over its scan row.
func sideKey(p *sql.QueryPlan, side int, row sql.Row) (sql.Value, error) {
	j := p.Joins[0]
	if side == 0 {
		return j.LeftKey.Eval(joinedRow(p, row, nil))
	}
	return j.RightKey.Eval(joinedRow(p, nil, row))
}

// processJoin handles a record of either input of a two-sided join.
func (t *task) processJoin(r Record, st Store, emit func(Output)) error {
	if twoSided(t.spec.plan).Type == sql.TableTable {
		return t.processTableJoin(r, st, emit)
	}
	return t.processWindowJoin(r, st, emit)
}

// isDelete reports whether r removes its key's row or record: a tombstone
// (a table's delete) or a retraction.
func isDelete(r Record) bool {
	return r.Value == nil || string(r.Header(HeaderOp)) == OpRetract
}

// present is the value of an index entry, whose key says it all. It is a
// byte, not empty: a state store's changelog carries each write as a
// record, and an empty value is too close to a tombstone (a delete) to
// trust every client to tell them apart.
func present() []byte { return []byte{1} }
