package stream

import (
	"encoding/binary"
	"fmt"

	"github.com/chaintap/chaintap/sql"
)

// A stream–stream join (… JOIN s2 WITHIN (before, after) [GRACE PERIOD g]
// ON …) joins a left record at time ts with every right record of the
// same join key whose time is in [ts-before, ts+after], one output per
// pair, whichever of the two came first. As in Kafka Streams, the task's
// stream time is the latest event time it has seen on either side; a
// record's window closes when the stream time passes its time plus how
// far ahead the other side may be (after for a left record, before for a
// right one) plus the grace period (24 hours when none is given, ksqlDB's
// default). A record that arrives with its window closed already is
// dropped, and a closed record is out of the buffer, so it joins with
// nothing that comes later.
//
// Outer joins (LEFT, RIGHT, FULL) emit a record of an outer side with
// NULLs for the other when its window closes without a match, as ksqlDB
// does since 0.25: no spurious NULL rows that a later match would
// contradict. Reorgs keep this exact: a retracted record retracts every
// pair it made (each has the identity of the pair), its NULL row if it
// had one, and a closed outer record whose last match is retracted gets
// its NULL row after all. So the folded output is always the join of the
// records no retraction removed: their pairs within the window, and for
// each closed outer record without a surviving match its NULL row.
type window struct {
	before, after, grace int64
	outer                [2]bool
}

// defaultJoinGrace is ksqlDB's grace for a join without GRACE PERIOD.
const defaultJoinGrace = 24 * 60 * 60 * 1000

func (t *task) window() window {
	j := t.spec.plan.Joins[0]
	w := window{before: j.Before, after: j.After, grace: defaultJoinGrace}
	if j.HasGrace {
		w.grace = j.Grace
	}
	w.outer[0] = j.Kind == sql.JoinLeft || j.Kind == sql.JoinFull
	w.outer[1] = j.Kind == sql.JoinRight || j.Kind == sql.JoinFull
	return w
}

// reach is how far after a record of side the other side's records may
// be and still join it.
func (w window) reach(side int) int64 {
	if side == 0 {
		return w.after
	}
	return w.before
}

// expiry is the stream time past which a record's window is closed.
func (w window) expiry(side int, ts int64) int64 { return ts + w.reach(side) + w.grace }

// processWindowJoin handles a record of either stream.
func (t *task) processWindowJoin(r Record, st Store, emit func(Output)) error {
	side := sideOf(t.spec.plan, r.Topic)
	id := t.recordID(r, side)
	if isDelete(r) {
		changes, err := t.retractRecord(st, side, id)
		if err != nil {
			return err
		}
		return t.applyAll(changes, st, emit)
	}
	rec, err := t.newWindowRecord(r, side, id)
	if err != nil {
		return t.bad(r, err, emit)
	}
	now, err := streamTime(st)
	if err != nil {
		return err
	}
	now = max(now, rec.ts)
	w := t.window()
	late := w.expiry(side, rec.ts) < now
	var partners []*windowRecord
	if !late && rec.kid != nil {
		if partners, err = t.partners(st, w, rec, now); err != nil {
			return err
		}
	}
	pairs := make([]*derived, len(partners))
	for i, o := range partners {
		pairs[i] = t.pairRow(rec, o)
	}
	check := pairs[:len(pairs):len(pairs)]
	if w.outer[side] && !late {
		check = append(check, t.outerRow(rec)) // it must evaluate when its window closes
	}
	if err := t.prepareAll(check); err != nil {
		return t.bad(r, err, emit)
	}
	return t.joinRecord(st, w, rec, now, late, partners, pairs, emit)
}

// joinRecord changes state for a good new record: its earlier version out
// (if its identity was live: an update), stream time on, closed windows
// out, the record in, and its pairs emitted.
func (t *task) joinRecord(st Store, w window, rec *windowRecord, now int64, late bool, partners []*windowRecord, pairs []*derived, emit func(Output)) error {
	var changes []*derived
	if t.spec.join.retracting[rec.side] { // else its identity, an offset, is new
		var err error
		if changes, err = t.retractRecord(st, rec.side, rec.id); err != nil {
			return err
		}
	}
	if err := setStreamTime(st, now); err != nil {
		return err
	}
	closed, err := t.expire(st, w, now)
	if err != nil {
		return err
	}
	changes = append(changes, closed...)
	if !late {
		if err := t.storeRecord(st, rec, w.expiry(rec.side, rec.ts)); err != nil {
			return err
		}
		for _, o := range partners {
			if err := addMatch(st, rec, o); err != nil {
				return err
			}
		}
		changes = append(changes, pairs...)
	}
	return t.applyAll(changes, st, emit)
}

// recordID is a stream record's identity: what a retraction names on a
// retractable input, its offset on another (whose keys need not be
// unique, and which is never retracted).
func (t *task) recordID(r Record, side int) []byte {
	if t.spec.join.retracting[side] {
		return t.identity(r)
	}
	return be64(r.Offset)
}

func (t *task) newWindowRecord(r Record, side int, id []byte) (*windowRecord, error) {
	row, err := t.sideRow(r, side)
	if err != nil {
		return nil, err
	}
	key, err := sideKey(t.spec.plan, side, row)
	if err != nil {
		return nil, err
	}
	rec := &windowRecord{side: side, id: id, ts: t.sideTime(side, row), row: row}
	if key != nil {
		rec.kid = appendValues(nil, sql.Row{key})
	}
	left, right := row, sql.Row(nil)
	if side == 1 {
		left, right = nil, row
	}
	rec.seq = t.position(r, joinedRow(t.spec.plan, left, right))
	return rec, nil
}

// sideTime is a scan row's event time in ms.
func (t *task) sideTime(side int, row sql.Row) int64 {
	ts := sideScan(t.spec.plan, side).EventTime(row)
	if t.spec.join.seconds[side] {
		ts *= 1000
	}
	return ts
}

// partners are the other side's buffered records that rec joins with:
// the same join key, a time in rec's window, and their own window still
// open at stream time now.
func (t *task) partners(st Store, w window, rec *windowRecord, now int64) ([]*windowRecord, error) {
	other := 1 - rec.side
	prefix := bufferPrefix(other, rec.kid)
	start := append(append([]byte(nil), prefix...), be64(rec.ts-w.reach(other))...)
	end := append(append([]byte(nil), prefix...), be64(rec.ts+w.reach(rec.side)+1)...)
	var ids [][]byte
	err := st.Range(start, end, func(k, _ []byte) error {
		ids = append(ids, append([]byte(nil), k[len(prefix)+8:]...))
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []*windowRecord
	for _, id := range ids {
		o, err := t.loadRecord(st, other, id)
		if err != nil {
			return nil, err
		}
		if o == nil {
			return nil, fmt.Errorf("query %s: buffered join record %q has no state: %w", t.spec.id, id, errCorruptJoin)
		}
		if w.expiry(other, o.ts) >= now { // (expire has taken closed ones out already: defensive)
			out = append(out, o)
		}
	}
	return out, nil
}

// pairRow is the joined row of two records, under the identity of the
// pair.
func (t *task) pairRow(a, b *windowRecord) *derived {
	if a.side == 1 {
		a, b = b, a
	}
	return &derived{id: pairID(a.id, b.id), seq: a.seq, row: joinedRow(t.spec.plan, a.row, b.row), ts: max(a.ts, b.ts)}
}

// pairID is the identity of the pair of a left and a right record.
func pairID(left, right []byte) []byte {
	id := binary.AppendUvarint([]byte{'P'}, uint64(len(left)))
	return append(append(id, left...), right...)
}

// outerRow is a record's row with NULLs for the other side, under an
// identity of its own.
func (t *task) outerRow(w *windowRecord) *derived {
	left, right := w.row, sql.Row(nil)
	if w.side == 1 {
		left, right = nil, w.row
	}
	return &derived{id: outerID(w.side, w.id), seq: w.seq, row: joinedRow(t.spec.plan, left, right), ts: w.ts}
}

func outerID(side int, id []byte) []byte {
	return append([]byte{"LR"[side]}, id...)
}

// expire closes the windows that stream time now has passed: their
// records leave the buffer, and an outer side's record that joined
// nothing gets its NULL row.
func (t *task) expire(st Store, w window, now int64) ([]*derived, error) {
	var changes []*derived
	for side := range 2 {
		start := []byte{prefixExpiry, byte(side)}
		var ids [][]byte
		err := st.Range(start, append(start, be64(now)...), func(k, _ []byte) error {
			ids = append(ids, append([]byte(nil), k[len(start)+8:]...))
			return nil
		})
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			d, err := t.close(st, w, side, id)
			if err != nil {
				return nil, err
			}
			if d != nil {
				changes = append(changes, d)
			}
		}
	}
	return changes, t.prepareInternal(changes)
}

// close takes one record whose window closed out of the buffer, and
// returns its NULL row when it is owed one.
func (t *task) close(st Store, w window, side int, id []byte) (*derived, error) {
	rec, err := t.loadRecord(st, side, id)
	if err != nil || rec == nil {
		return nil, err
	}
	if err := t.unbuffer(st, rec, w.expiry(side, rec.ts)); err != nil {
		return nil, err
	}
	ms, err := matches(st, side, id)
	if err != nil {
		return nil, err
	}
	if t.spec.retracting {
		rec.closed = true
		err = st.Set(infoKey(side, id), rec.encode())
	} else {
		err = t.forget(st, rec, ms)
	}
	if err != nil || !w.outer[side] || len(ms) > 0 {
		return nil, err
	}
	return t.outerRow(rec), nil
}

// forget drops a closed record of inputs that are never retracted. The
// other side's entries of its matches stay until those close: they tell
// an outer record it joined.
func (t *task) forget(st Store, rec *windowRecord, ms [][]byte) error {
	for _, m := range ms {
		if err := st.Delete(append(matchPrefix(rec.side, rec.id), m...)); err != nil {
			return err
		}
	}
	return st.Delete(infoKey(rec.side, rec.id))
}

// retractRecord undoes a record: its pairs are retracted, as is its NULL
// row; a closed outer record of the other side left without a match gets
// its NULL row. Nothing happens for a record the task does not hold (never
// seen, dropped as late, or forgotten).
func (t *task) retractRecord(st Store, side int, id []byte) ([]*derived, error) {
	rec, err := t.loadRecord(st, side, id)
	if err != nil || rec == nil {
		return nil, err
	}
	w := t.window()
	ms, err := matches(st, side, id)
	if err != nil {
		return nil, err
	}
	var changes []*derived
	for _, m := range ms {
		d, err := t.unmatch(st, w, rec, m)
		if err != nil {
			return nil, err
		}
		changes = append(changes, d...)
	}
	if rec.closed && w.outer[side] {
		changes = append(changes, &derived{id: outerID(side, id)})
	}
	if !rec.closed {
		if err := t.unbuffer(st, rec, w.expiry(side, rec.ts)); err != nil {
			return nil, err
		}
	}
	if err := st.Delete(infoKey(side, id)); err != nil {
		return nil, err
	}
	return changes, t.prepareInternal(changes)
}

// unmatch removes the pair of rec and the other side's record other: the
// pair's row goes, and other gets its NULL row when that leaves it closed
// and unmatched on an outer side.
func (t *task) unmatch(st Store, w window, rec *windowRecord, other []byte) ([]*derived, error) {
	o := 1 - rec.side
	if err := st.Delete(append(matchPrefix(rec.side, rec.id), other...)); err != nil {
		return nil, err
	}
	if err := st.Delete(append(matchPrefix(o, other), rec.id...)); err != nil {
		return nil, err
	}
	orec, err := t.loadRecord(st, o, other)
	if err != nil {
		return nil, err
	}
	if orec == nil {
		return nil, fmt.Errorf("query %s: joined record %q has no state: %w", t.spec.id, other, errCorruptJoin)
	}
	pair := pairID(rec.id, other)
	if rec.side == 1 {
		pair = pairID(other, rec.id)
	}
	changes := []*derived{{id: pair}}
	if !orec.closed || !w.outer[o] {
		return changes, nil
	}
	left, err := matches(st, o, other)
	if err != nil || len(left) > 0 {
		return changes, err
	}
	return append(changes, t.outerRow(orec)), nil
}

// prepareInternal prepares rows that already evaluated when their records
// came: an error now is not the record's fault but a broken invariant.
func (t *task) prepareInternal(changes []*derived) error {
	if err := t.prepareAll(changes); err != nil {
		return fmt.Errorf("query %s: a join row that evaluated before fails now: %w", t.spec.id, err)
	}
	return nil
}
