package stream

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// t0 is a time on a multiple of every window size the tests use.
const t0 = int64(1_700_000_000_000)

// finalRun runs the stages of one query as Local does, but with a new
// processor for every record: a task keeps nothing outside its store, so
// one made anew over the store (as after a restore from the changelog)
// carries on where the last left off.
type finalRun struct {
	t       *testing.T
	stages  []Query
	stores  []*MemStore
	offsets map[string]int64
	size    int64    // of the query's windows
	out     []Output // the sink's records since the last step
}

func newFinalRun(t *testing.T, query string, o Options) *finalRun {
	t.Helper()
	qp, stages := compileWith(t, testDDL+query, o)
	r := &finalRun{t: t, stages: stages, offsets: map[string]int64{}, size: qp.Aggregate.Window.Size}
	for range stages {
		r.stores = append(r.stores, NewMemStore())
	}
	return r
}

func (r *finalRun) feed(rec Record) {
	r.t.Helper()
	rec.Offset = r.offsets[rec.Topic]
	r.offsets[rec.Topic]++
	for i, s := range r.stages {
		if !slices.Contains(s.Inputs, rec.Topic) {
			continue
		}
		var emitted []Output
		if err := s.NewProcessor(0).Process(context.Background(), rec, r.stores[i], func(o Output) { emitted = append(emitted, o) }); err != nil {
			r.t.Fatalf("%s offset %d: %v", rec.Topic, rec.Offset, err)
		}
		for _, o := range emitted {
			if strings.HasSuffix(o.Topic, ".repartition") {
				r.feed(Record{Topic: o.Topic, Key: o.Key, Value: o.Value, Headers: o.Headers, Timestamp: o.Timestamp})
				continue
			}
			r.out = append(r.out, o)
		}
	}
}

// event feeds an ev upsert.
func (r *finalRun) event(id, g string, v, ts int64) {
	r.t.Helper()
	value := fmt.Sprintf(`{"g":%q,"v":%d,"k":"k1","ts":%d}`, g, v, ts)
	r.feed(Record{Topic: "ev", Key: []byte(id), Value: []byte(value), Timestamp: ts, Headers: []Header{{Key: HeaderOp, Value: opUpsert}}})
}

// retract feeds the retraction of an ev record.
func (r *finalRun) retract(id string) {
	r.t.Helper()
	r.feed(Record{Topic: "ev", Key: []byte(id), Headers: []Header{{Key: HeaderOp, Value: opRetract}}})
}

// expect checks the sink's records since the last call, as
// "key@start=value" (start after t0; "-" for a tombstone), and their
// record timestamps (the window's last millisecond).
func (r *finalRun) expect(step string, want ...string) {
	r.t.Helper()
	var got []string
	for _, o := range r.out {
		key, start := o.Key[:len(o.Key)-8], int64(binary.BigEndian.Uint64(o.Key[len(o.Key)-8:]))
		value := "-"
		if o.Value != nil {
			value = string(o.Value)
		}
		got = append(got, fmt.Sprintf("%s@%d=%s", key, start-t0, value))
		if o.Timestamp != start+r.size-1 {
			r.t.Errorf("%s: record %s has timestamp %d, want the window's last ms %d", step, key, o.Timestamp, start+r.size-1)
		}
	}
	r.out = nil
	if !slices.Equal(got, want) {
		r.t.Errorf("%s: wrote %q, want %q", step, got, want)
	}
}

// keys counts the keys of a stage's store in one key space.
func (r *finalRun) keys(stage int, space byte) int {
	n := 0
	err := r.stores[stage].Range([]byte{space}, []byte{space + 1}, func(_, _ []byte) error {
		n++
		return nil
	})
	if err != nil {
		r.t.Fatal(err)
	}
	return n
}

// TestEmitFinalWritesClosedWindows: nothing is written before a window
// closes (stream time at its end + grace), then exactly one row; a
// contribution to a closed window is dropped; a retraction of one an open
// window holds changes nothing written, of one a closed window holds
// writes the corrected row (a tombstone once the window is empty), of a
// dropped one nothing. Grouped by a non-key column: two stages, the
// retractions travel through the repartition topic.
func TestEmitFinalWritesClosedWindows(t *testing.T) {
	r := newFinalRun(t, `CREATE TABLE o AS SELECT g, COUNT(*) AS n, SUM(v) AS sv FROM ev
		WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 2 SECONDS) GROUP BY g EMIT FINAL;`, Options{Retracting: retractingTopic})
	r.event("a1", "a", 1, t0+1000)
	r.event("a2", "a", 2, t0+5000)
	r.event("a3", "a", 4, t0+11000)
	r.expect("before any window closes")
	r.event("a4", "a", 8, t0+3000)
	r.expect("a record in grace, window open")
	r.event("b1", "b", 16, t0+11999)
	r.expect("one ms before the first window closes")
	r.event("a5", "a", 32, t0+12000)
	r.expect("stream time at end + grace", `a@0={"N":3,"SV":11}`)
	r.event("a6", "a", 64, t0+9999)
	r.expect("a late record")
	r.retract("a4")
	r.expect("a retraction after the window closed", `a@0={"N":2,"SV":3}`)
	r.retract("a6")
	r.expect("the retraction of a late record")
	r.retract("a3")
	r.event("d1", "d", 1, t0+15000)
	r.retract("d1")
	r.expect("retractions in an open window")
	r.event("c1", "c", 0, t0+22000)
	r.expect("the second window closes (d's, emptied, writes nothing)", `a@10000={"N":1,"SV":32}`, `b@10000={"N":1,"SV":16}`)
	r.retract("a1")
	r.retract("a2")
	r.expect("the closed window emptied", `a@0={"N":1,"SV":2}`, `a@0=-`)
	r.event("c2", "c", 0, t0+22000)
	r.expect("stream time unchanged")
}

// TestEmitFinalHoppingAndBoundedState: a hopping record can be late for
// its older window only; without GRACE PERIOD a window waits 24 hours;
// over an input that is never retracted a written window's state goes, so
// only the open windows are kept. One stage (grouped by the key).
func TestEmitFinalHoppingAndBoundedState(t *testing.T) {
	r := newFinalRun(t, `CREATE TABLE o AS SELECT id, COUNT(*) AS n, SUM(v) AS sv FROM ev
		WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 5 SECONDS) GROUP BY id EMIT FINAL;`, Options{})
	const day = 24 * 60 * 60 * 1000
	r.event("k", "a", 1, t0+7000)
	r.event("k", "a", 2, t0+10000+day-1)
	r.expect("one ms before the first window's grace ends")
	r.event("k", "a", 4, t0+10000+day)
	r.expect("the first window closes", `k@0={"N":1,"SV":1}`)
	r.event("k", "a", 8, t0+9000)
	r.expect("late for [0, 10 s), in time for [5 s, 15 s)")
	r.event("k", "a", 16, t0+15000+day)
	r.expect("the second window closes", `k@5000={"N":2,"SV":9}`)
	if n := r.keys(0, prefixGroup); n != 4 {
		t.Errorf("%d groups in the store, want the 4 open windows", n)
	}
	if n := r.keys(0, prefixPending); n != 4 {
		t.Errorf("%d pending windows, want 4", n)
	}
	if n := r.keys(0, prefixLate); n != 0 {
		t.Errorf("%d late marks over an input that is never retracted", n)
	}
}

// TestEmitFinalReincluded: a record retracted after its window closed
// takes its row back; its replacement, late for the window, is dropped,
// and retracting that changes nothing. One stage, a retractable input.
func TestEmitFinalReincluded(t *testing.T) {
	r := newFinalRun(t, `CREATE TABLE o AS SELECT id, COUNT(*) AS n FROM ev
		WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 0 SECONDS) GROUP BY id EMIT FINAL;`, Options{Retracting: retractingTopic})
	r.event("x", "a", 1, t0+1000)
	r.event("y", "a", 1, t0+10000)
	r.expect("x's window closes", `x@0={"N":1}`)
	r.retract("x")
	r.expect("x retracted", `x@0=-`)
	r.event("x", "a", 1, t0+2000)
	r.expect("x again, late")
	if n := r.keys(0, prefixLate); n != 1 {
		t.Errorf("%d late marks, want 1", n)
	}
	r.retract("x")
	r.expect("the late x retracted")
	if n := r.keys(0, prefixLate); n != 0 {
		t.Errorf("%d late marks after the retraction, want 0", n)
	}
	r.event("z", "a", 1, t0+20000)
	r.expect("y's window closes", `y@10000={"N":1}`)
}

// TestEmitFinalSupport: EMIT FINAL compiles on TUMBLING and HOPPING
// windowed aggregations; SESSION windows and aggregations after a
// two-sided join are not supported yet; without a window the analyzer
// refuses it, as ksqlDB does.
func TestEmitFinalSupport(t *testing.T) {
	cases := []struct{ query, unsupported, invalid string }{
		{query: `CREATE TABLE o AS SELECT g, COUNT(*) AS n FROM ev WINDOW TUMBLING (SIZE 1 MINUTE, GRACE PERIOD 10 SECONDS) GROUP BY g EMIT FINAL;`},
		{query: `CREATE TABLE o AS SELECT g, COUNT(*) AS n FROM ev WINDOW HOPPING (SIZE 1 MINUTE, ADVANCE BY 10 SECONDS) GROUP BY g EMIT FINAL;`},
		{query: `CREATE TABLE o AS SELECT g, COUNT(*) AS n FROM ev WINDOW SESSION (1 MINUTE) GROUP BY g EMIT FINAL;`, unsupported: "SESSION"},
		{query: `CREATE TABLE o AS SELECT ev.k, COUNT(*) AS n FROM ev JOIN ev2 WITHIN 5 SECONDS ON ev.k = ev2.k WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY ev.k EMIT FINAL;`,
			unsupported: "EMIT FINAL after a stream–stream"},
		{query: `CREATE TABLE o AS SELECT g, COUNT(*) AS n FROM ev GROUP BY g EMIT FINAL;`, invalid: "EMIT FINAL is only supported for windowed aggregations"},
	}
	for _, c := range cases {
		qp, err := planOf(testDDL + c.query)
		if c.invalid != "" {
			if err == nil || !strings.Contains(err.Error(), c.invalid) {
				t.Errorf("%s: got %v, want an error about %q", c.query, err, c.invalid)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		_, err = Compile("Q", qp, Options{Retracting: retractingTopic})
		switch {
		case c.unsupported == "" && err != nil:
			t.Errorf("%s: %v", c.query, err)
		case c.unsupported != "" && (!errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), c.unsupported)):
			t.Errorf("%s: got %v, want ErrUnsupported naming %q", c.query, err, c.unsupported)
		}
	}
}

// TestEmitFinalHaving: a window failing HAVING when it closes writes
// nothing; a correction that makes a written window fail HAVING writes a
// tombstone (and so does one of a window that never wrote: harmless to a
// consumer folding the table, and it needs no memory of what was written).
func TestEmitFinalHaving(t *testing.T) {
	r := newFinalRun(t, `CREATE TABLE o AS SELECT g, COUNT(*) AS n FROM ev
		WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 0 SECONDS) GROUP BY g HAVING COUNT(*) > 1 EMIT FINAL;`, Options{Retracting: retractingTopic})
	r.event("e1", "a", 1, t0+1000)
	r.event("e2", "b", 1, t0+2000)
	r.event("e3", "b", 1, t0+3000)
	r.event("f", "c", 1, t0+10000)
	r.expect("the window closes", `b@0={"N":2}`)
	r.retract("e3")
	r.expect("b fails HAVING now", `b@0=-`)
	r.retract("e1")
	r.expect("a, never written, is empty", `a@0=-`)
}
