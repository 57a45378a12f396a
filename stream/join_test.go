package stream

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// partitionedDDL declares co-partitioned sources of four partitions, and
// some that are not.
const partitionedDDL = `
CREATE STREAM s4 (id VARCHAR KEY, k VARCHAR, ts BIGINT) WITH (KAFKA_TOPIC='s4', VALUE_FORMAT='JSON', PARTITIONS=4);
CREATE STREAM r4 (id VARCHAR KEY, k VARCHAR) WITH (KAFKA_TOPIC='r4', VALUE_FORMAT='JSON', PARTITIONS=4);
CREATE STREAM sk4 (k VARCHAR KEY, y BIGINT) WITH (KAFKA_TOPIC='sk4', VALUE_FORMAT='JSON', PARTITIONS=4);
CREATE STREAM rk4 (k VARCHAR KEY, z BIGINT) WITH (KAFKA_TOPIC='rk4', VALUE_FORMAT='JSON', PARTITIONS=4);
CREATE STREAM rk2 (k VARCHAR KEY, z BIGINT) WITH (KAFKA_TOPIC='rk2', VALUE_FORMAT='JSON', PARTITIONS=2);
CREATE TABLE ta (k VARCHAR PRIMARY KEY, fk VARCHAR, a BIGINT) WITH (KAFKA_TOPIC='ta', VALUE_FORMAT='JSON', PARTITIONS=4);
CREATE TABLE tb4 (k VARCHAR PRIMARY KEY, b BIGINT) WITH (KAFKA_TOPIC='tb4', VALUE_FORMAT='JSON', PARTITIONS=4);
CREATE TABLE tc2 (k VARCHAR PRIMARY KEY, c BIGINT) WITH (KAFKA_TOPIC='tc2', VALUE_FORMAT='JSON', PARTITIONS=2);
`

// TestJoinsSupported: joins on the key of co-partitioned inputs compile;
// what the engine cannot run fails with ErrUnsupported, naming it.
func TestJoinsSupported(t *testing.T) {
	for _, c := range []struct{ query, unsupported string }{
		{`CREATE TABLE o AS SELECT ta.k, ta.a, tb4.b FROM ta JOIN tb4 ON ta.k = tb4.k EMIT CHANGES;`, ""},
		{`CREATE TABLE o AS SELECT ta.k, ta.a, tb4.b FROM ta LEFT JOIN tb4 ON ta.k = tb4.k EMIT CHANGES;`, ""},
		{`CREATE STREAM o AS SELECT sk4.k, y, z FROM sk4 FULL JOIN rk4 WITHIN 1 HOUR ON sk4.k = rk4.k EMIT CHANGES;`, ""},
		{`CREATE TABLE o AS SELECT tb4.k, ta.a FROM ta RIGHT JOIN tb4 ON ta.k = tb4.k EMIT CHANGES;`, "RIGHT table-table joins"},
		{`CREATE TABLE o AS SELECT ta.k, ta.a FROM ta FULL OUTER JOIN tb4 ON ta.k = tb4.k EMIT CHANGES;`, "FULL table-table joins"},
		{`CREATE TABLE o AS SELECT ta.k, ta.a, tb4.b FROM ta JOIN tb4 ON ta.fk = tb4.k EMIT CHANGES;`, "foreign-key table-table joins (on a column that is not the left table's PRIMARY KEY) over topics of several partitions"},
		{`CREATE TABLE o AS SELECT ta.k, ta.a, tc2.c FROM ta JOIN tc2 ON ta.k = tc2.k EMIT CHANGES;`, "not co-partitioned"},
		{`CREATE STREAM o AS SELECT sk4.k, y, z FROM sk4 JOIN rk2 WITHIN 1 HOUR ON sk4.k = rk2.k EMIT CHANGES;`, "not co-partitioned"},
		{`CREATE STREAM o AS SELECT s4.k, s4.id AS a, r4.id AS b FROM s4 JOIN r4 WITHIN 1 HOUR ON s4.k = r4.k EMIT CHANGES;`, "needs a repartition"},
		{`CREATE STREAM o AS SELECT sk4.k, y, z, b FROM sk4 JOIN rk4 WITHIN 1 HOUR ON sk4.k = rk4.k JOIN tb4 ON sk4.k = tb4.k EMIT CHANGES;`, "chained with other joins"},
		{`CREATE STREAM o AS SELECT a.k, a.y AS ay, b.y AS by2 FROM sk4 a JOIN sk4 b WITHIN 1 HOUR ON a.k = b.k EMIT CHANGES;`, "self-joins"},
	} {
		qp, err := planOf(partitionedDDL + c.query)
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		_, err = Compile("Q", qp, Options{})
		switch {
		case c.unsupported == "" && err != nil:
			t.Errorf("%s: %v", c.query, err)
		case c.unsupported != "" && !errors.Is(err, ErrUnsupported):
			t.Errorf("%s: got %v, want ErrUnsupported", c.query, err)
		case c.unsupported != "" && !strings.Contains(err.Error(), c.unsupported):
			t.Errorf("%s: %q does not name %q", c.query, err, c.unsupported)
		}
	}
}

// TestWindowJoinBounds: the window's bounds are inclusive and asymmetric
// as written, a record arriving after its window closed joins nothing,
// an unmatched left record gets its NULL row when its window closes, and
// over inputs that are never retracted the closed records leave the
// state.
func TestWindowJoinBounds(t *testing.T) {
	_, stages := compileWith(t, testDDL+`CREATE STREAM o AS SELECT ev.k, ev.id, ev2.id AS id2 FROM ev
  LEFT JOIN ev2 WITHIN (2 SECONDS, 3 SECONDS) GRACE PERIOD 1 SECOND ON ev.k = ev2.k EMIT CHANGES;`, Options{})
	var got []string
	local := NewLocal(stages, func(o Output) {
		if len(o.Headers) > 0 && string(headerOf(o.Headers, HeaderOp)) != "" {
			t.Errorf("an output of inputs that cannot be retracted has an op header: %v", o.Headers)
		}
		got = append(got, string(o.Value))
	})
	offsets := map[string]int64{}
	feed := func(topic, id, key string, ts int64) {
		t.Helper()
		value := fmt.Sprintf(`{"k":%q,"ts":%d}`, key, ts)
		r := Record{Topic: topic, Offset: offsets[topic], Key: []byte(id), Value: []byte(value), Timestamp: ts}
		offsets[topic]++
		if err := local.Feed(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	feed("ev2", "r1", "a", 8000)  // left time - before: joins l1
	feed("ev", "l1", "a", 10000)  //
	feed("ev2", "r2", "a", 13000) // left time + after: joins l1
	feed("ev2", "r3", "a", 13001) // one past: no join
	feed("ev", "l2", "b", 13001)  // no partner
	feed("ev", "l3", "a", 9000)   // closed on arrival (9000+3000+1000 < 13001): dropped
	feed("ev", "l4", "c", 14500)  // closes l1 (at 14000), not l2
	feed("ev", "l5", "d", 14000)  //
	feed("ev2", "r5", "d", 12000) // arrives later, but l5's time is its time + before: joins
	want := []string{`{"ID":"l1","ID2":"r1"}`, `{"ID":"l1","ID2":"r2"}`, `{"ID":"l5","ID2":"r5"}`}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	feed("ev2", "r4", "z", 100000) // closes everything else: NULL rows for l2 and l4
	want = append(want, `{"ID":"l2","ID2":null}`, `{"ID":"l4","ID2":null}`)
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	// Left: the stream time, and r4 (its record, window close, buffer entry).
	if n := local.stores[0].Len(); n != 4 {
		t.Errorf("state holds %d keys after every window but the last closed, want 4", n)
	}
}
