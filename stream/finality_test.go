package stream

import (
	"context"
	"fmt"
	"testing"
)

// TestAggregateStateStaysBounded: LATEST_BY_OFFSET keeps older values only
// while a reorg could still retract the newer ones. Over the head view
// with a reorg window the group state stops growing, and a retraction
// within the window still steps back; over a view that is never
// retracted it keeps one value; with no window known it keeps them all.
func TestAggregateStateStaysBounded(t *testing.T) {
	const ddl = `CREATE STREAM ch (id VARCHAR KEY, grp VARCHAR, v BIGINT, block_number BIGINT, log_index BIGINT)
  WITH (KAFKA_TOPIC='ch', VALUE_FORMAT='JSON');
CREATE TABLE o AS SELECT grp, COUNT(*) AS n, LATEST_BY_OFFSET(v) AS lv FROM ch GROUP BY grp EMIT CHANGES;`
	chain := func(topic string) (string, string, bool) { return "BLOCK_NUMBER", "LOG_INDEX", topic == "ch" }
	for _, c := range []struct {
		name       string
		opts       Options
		maxBytes   int // of group state after 300 blocks
		minBytes   int
		retraction bool
	}{
		{"head view, reorg window 4", Options{Retracting: func(string) bool { return true }, ChainPosition: chain,
			ReorgWindow: func(string) int64 { return 4 }}, 200, 0, true},
		{"never retracted", Options{ChainPosition: chain}, 60, 0, false},
		{"head view, window unknown", Options{Retracting: func(string) bool { return true }, ChainPosition: chain}, 1 << 30, 1500, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, stages := compileWith(t, ddl, c.opts)
			got := map[string]string{}
			l := NewLocal(stages, func(o Output) {
				if o.Topic == "O" {
					got[string(o.Key)] = string(o.Value)
				}
			})
			feed := func(r Record) {
				t.Helper()
				if err := l.Feed(context.Background(), r); err != nil {
					t.Fatal(err)
				}
			}
			const blocks = 300
			for b := 1; b <= blocks; b++ {
				feed(Record{Topic: "ch", Offset: int64(b), Key: fmt.Appendf(nil, "r%d", b), Headers: []Header{{Key: HeaderOp, Value: opUpsert}},
					Value: fmt.Appendf(nil, `{"grp":"g","v":%d,"block_number":%d,"log_index":0}`, b, b)})
			}
			if want := fmt.Sprintf(`{"N":%d,"LV":%d}`, blocks, blocks); got["g"] != want {
				t.Fatalf("after %d blocks: %s, want %s", blocks, got["g"], want)
			}
			size := groupStateBytes(l)
			t.Logf("group state after %d blocks: %d bytes", blocks, size)
			if size > c.maxBytes || size < c.minBytes {
				t.Fatalf("group state %d bytes, want %d..%d", size, c.minBytes, c.maxBytes)
			}
			if !c.retraction {
				return
			}
			// A reorg orphans the newest two blocks: latest steps back.
			for b := blocks; b > blocks-2; b-- {
				feed(Record{Topic: "ch", Offset: int64(1000 + b), Key: fmt.Appendf(nil, "r%d", b), Headers: []Header{{Key: HeaderOp, Value: opRetract}}})
			}
			if want := fmt.Sprintf(`{"N":%d,"LV":%d}`, blocks-2, blocks-2); got["g"] != want {
				t.Fatalf("after the reorg: %s, want %s", got["g"], want)
			}
		})
	}
}

// groupStateBytes sums the aggregate state of every stage's store.
func groupStateBytes(l *Local) int {
	n := 0
	for _, st := range l.stores {
		_ = st.Range([]byte{prefixGroup}, []byte{prefixGroup + 1}, func(k, v []byte) error {
			n += len(v)
			return nil
		})
	}
	return n
}
