package stream

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/chaintap/chaintap/sql"
)

// EMIT FINAL on a TUMBLING or HOPPING windowed aggregation writes each
// window's row once, when the window closes, instead of every
// intermediate update.
//
// Time: the task's stream time is the latest event time of the
// contributions the aggregation has received (rows that passed WHERE and
// the joins; retractions and dropped rows do not move it, and it never
// steps back). A window [start, end) closes once stream time reaches
// end + grace (GRACE PERIOD, 24 hours without one, as ksqlDB), which is
// when Kafka Streams closes it too. A contribution to a window that is
// closed already when it comes is late and dropped for that window (a
// hopping record may be late for its older windows only).
//
// Reorgs: a retraction whose window is still open changes the pending
// result and emits nothing. A retraction whose window has closed (its
// row written) writes the corrected row at once: an upsert of the
// window's key, or a tombstone when the window holds nothing any more or
// fails HAVING. The output is a table keyed by (key, window), so a
// consumer folding it ends with exactly the aggregate of the records
// that no reorg removed and that were not late; ksqlDB's promise of one
// row per window yields to exactness, as every other query here
// does. (A replacement record coming after the window closed is late,
// like any other.) Over inputs that are never retracted a closed
// window's state is dropped once written, so the state is bounded by the
// windows still open; over retractable ones it stays, like every query's
// memory of what a retractable record contributed.
//
// A final row's record timestamp is its window's last millisecond
// (WINDOWEND - 1): the same for the first row and any correction, and
// needing no state.

// Store key spaces of an EMIT FINAL aggregation's task, beside the
// groups' (prefixGroup).
const (
	prefixPending   = 'w' // window end, group key → the group's values: windows not yet written
	prefixLate      = 'l' // input id, window start → present(): a contribution dropped as late
	prefixFinalTime = 'S' // the aggregation's stream time
)

// defaultWindowGrace is ksqlDB's grace for a window without GRACE PERIOD.
const defaultWindowGrace = 24 * 60 * 60 * 1000

var errCorruptFinal = errors.New("corrupt EMIT FINAL state")

// finalSpec is what an EMIT FINAL aggregation needs besides the plan.
type finalSpec struct {
	size, grace int64
	// retracting: the query's input can be retracted, so contributions
	// may be taken back after their window closed (its state stays) and
	// a contribution dropped as late is marked, so that its retraction
	// takes nothing back.
	retracting bool
}

// newFinalSpec returns the EMIT FINAL settings of a windowed aggregation,
// nil for any other plan.
func newFinalSpec(p *sql.QueryPlan, retracting bool) *finalSpec {
	if p.Emit != sql.EmitFinal || p.Aggregate == nil || p.Aggregate.Window == nil {
		return nil
	}
	w := p.Aggregate.Window
	f := &finalSpec{size: w.Size, grace: defaultWindowGrace, retracting: retracting}
	if w.HasGrace {
		f.grace = w.Grace
	}
	return f
}

// finalSupported names the EMIT FINAL queries the engine cannot run: the
// analyzer allows EMIT FINAL on windowed aggregations only; of those, a
// two-sided join's rows reach the aggregation at times (a NULL row when
// its window closes) that this stream time does not cover yet.
func finalSupported(p *sql.QueryPlan) error {
	if p.Emit != sql.EmitFinal {
		return nil
	}
	if p.Aggregate == nil || p.Aggregate.Window == nil {
		return fmt.Errorf("EMIT FINAL without a windowed aggregation: %w", ErrUnsupported)
	}
	if twoSided(p) != nil {
		return fmt.Errorf("EMIT FINAL after a stream–stream or table–table join: %w", ErrUnsupported)
	}
	return nil
}

// closesAt is the stream time at which the window starting at start
// closes (saturating, for times at the end of the range).
func (f *finalSpec) closesAt(start int64) int64 {
	if start > math.MaxInt64-f.size-f.grace {
		return math.MaxInt64
	}
	return start + f.size + f.grace
}

// aggregateFinal is aggregate for EMIT FINAL: the input id's old
// contribution is taken back (correcting windows already written), the
// current one is added to its windows that are still open, and the
// windows that stream time has closed are written.
func (t *task) aggregateFinal(id []byte, old, cur *effect, st Store, emit func(Output)) error {
	now, err := t.finalTime(st)
	if err != nil {
		return err
	}
	if old != nil {
		if err := t.retractFinal(id, old, now, st, emit); err != nil {
			return err
		}
	}
	if cur == nil {
		return nil
	}
	advanced := cur.out.ts > now
	if advanced {
		now = cur.out.ts
		if err := st.Set([]byte{prefixFinalTime}, be64(now)); err != nil {
			return err
		}
	}
	if err := t.addFinal(id, cur, now, st); err != nil {
		return err
	}
	if !advanced {
		return nil
	}
	return t.closeWindows(now, st, emit)
}

// finalTime is the aggregation's stream time, MinInt64 before any
// contribution.
func (t *task) finalTime(st Store) (int64, error) {
	v, ok, err := st.Get([]byte{prefixFinalTime})
	if err != nil || !ok {
		return math.MinInt64, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("query %s: stream time: %w", t.spec.id, errCorruptFinal)
	}
	return int64(binary.BigEndian.Uint64(v) ^ 1<<63), nil
}

// addFinal adds a contribution to each of its windows still open at
// stream time now; a new window enters the pending index. A closed window
// drops it (late), marked when it may be retracted.
func (t *task) addFinal(id []byte, e *effect, now int64, st Store) error {
	f := t.spec.final
	for _, start := range e.out.windows {
		if f.closesAt(start) <= now {
			if !f.retracting {
				continue
			}
			if err := st.Set(lateKey(id, start), present()); err != nil {
				return err
			}
			continue
		}
		key := t.groupKey(e.out.groupID, start, true)
		g, err := t.loadGroup(st, key)
		if err != nil {
			return err
		}
		fresh := g.count == 0
		if err := t.foldFinal(st, key, g, e, +1); err != nil {
			return err
		}
		if fresh {
			if err := st.Set(pendingKey(start+f.size, key), sql.AppendRow(nil, e.out.group)); err != nil {
				return err
			}
		}
	}
	return nil
}

// retractFinal takes a contribution back from the windows it was added
// to (not those that dropped it as late) and writes the corrected row of
// each window that has closed already.
func (t *task) retractFinal(id []byte, e *effect, now int64, st Store, emit func(Output)) error {
	f := t.spec.final
	for _, start := range e.out.windows {
		if f.retracting {
			wasLate, err := t.takeLate(st, id, start)
			if err != nil {
				return err
			}
			if wasLate {
				continue
			}
		}
		key := t.groupKey(e.out.groupID, start, true)
		g, err := t.loadGroup(st, key)
		if err != nil {
			return err
		}
		if g.count == 0 {
			return fmt.Errorf("query %s group %v: a retraction of a contribution window %d does not hold: %w",
				t.spec.id, e.out.group, start, errCorruptFinal)
		}
		if err := t.foldFinal(st, key, g, e, -1); err != nil {
			return err
		}
		if f.closesAt(start) <= now {
			if err := t.emitGroup(t.finalRow(e.out.group, start), start, g, emit); err != nil {
				return err
			}
		}
	}
	return nil
}

// takeLate reports whether the input's contribution to the window
// starting at start was dropped as late, and forgets that it was.
func (t *task) takeLate(st Store, id []byte, start int64) (bool, error) {
	k := lateKey(id, start)
	_, ok, err := st.Get(k)
	if err != nil || !ok {
		return false, err
	}
	return true, st.Delete(k)
}

// foldFinal adds (sign +1) or takes back (-1) a contribution to a
// window's group state and saves it.
func (t *task) foldFinal(st Store, key []byte, g *groupState, e *effect, sign int) error {
	if err := t.fold(g, e.out, e.seq, sign); err != nil {
		return err
	}
	return t.saveGroup(st, key, g)
}

// closeWindows writes the row of every pending window that stream time
// now has closed, oldest end first, and takes it out of the index. A
// window emptied by retractions, or failing HAVING, writes nothing (it
// never wrote a row). Over inputs that are never retracted its state goes
// too.
func (t *task) closeWindows(now int64, st Store, emit func(Output)) error {
	f := t.spec.final
	if now < math.MinInt64+f.grace {
		return nil // no window ends that early
	}
	// Every window whose end is at most now - grace.
	limit := prefixEnd(pendingKey(now-f.grace, nil))
	type pending struct{ key, group []byte }
	var due []pending
	err := st.Range([]byte{prefixPending}, limit, func(k, v []byte) error {
		due = append(due, pending{append([]byte(nil), k...), append([]byte(nil), v...)})
		return nil
	})
	if err != nil {
		return err
	}
	for _, p := range due {
		if err := t.closeWindow(p.key, p.group, st, emit); err != nil {
			return err
		}
	}
	return nil
}

// closeWindow writes one pending window's row (index entry key, the
// group's values as AppendRow wrote them).
func (t *task) closeWindow(key, groupRow []byte, st Store, emit func(Output)) error {
	if len(key) < 1+8 {
		return fmt.Errorf("query %s: pending window: %w", t.spec.id, errCorruptFinal)
	}
	start := int64(binary.BigEndian.Uint64(key[1:9])^1<<63) - t.spec.final.size
	gk := key[9:]
	group, _, err := sql.ReadRow(groupRow)
	if err != nil {
		return fmt.Errorf("query %s: pending window: %w", t.spec.id, err)
	}
	g, err := t.loadGroup(st, gk)
	if err != nil {
		return err
	}
	if err := st.Delete(key); err != nil {
		return err
	}
	if g.count > 0 {
		written := func(o Output) {
			if o.Value != nil { // a first row, not a tombstone for nothing
				emit(o)
			}
		}
		if err := t.emitGroup(t.finalRow(group, start), start, g, written); err != nil {
			return err
		}
	}
	if t.spec.final.retracting {
		return nil
	}
	return st.Delete(gk)
}

// finalRow is what emitGroup needs to write a window's row: the group's
// values and the record timestamp (the window's last millisecond).
func (t *task) finalRow(group sql.Row, start int64) *prepared {
	return &prepared{group: group, windows: []int64{start}, ts: start + t.spec.final.size - 1}
}

// pendingKey is a pending index key: windows sort by end, so that the
// ones stream time has closed are a prefix.
func pendingKey(end int64, groupKey []byte) []byte {
	return append(append([]byte{prefixPending}, be64(end)...), groupKey...)
}

// lateKey marks an input's contribution dropped as late for one window.
func lateKey(id []byte, start int64) []byte {
	k := binary.AppendUvarint([]byte{prefixLate}, uint64(len(id)))
	return append(append(k, id...), be64(start)...)
}
