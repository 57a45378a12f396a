package stream

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestRememberedContributionsStayBounded: over the head view with a
// reorg window, the contributions a stage remembers for retraction are
// dropped once final, so they do not grow with the chain; one remembered
// again at a later position survives its older position going final; a
// retraction within the window still finds its contribution. With no
// window known, every contribution is kept.
func TestRememberedContributionsStayBounded(t *testing.T) {
	const ddl = `CREATE STREAM ch (id VARCHAR KEY, grp VARCHAR, v BIGINT, block_number BIGINT, log_index BIGINT)
  WITH (KAFKA_TOPIC='ch', VALUE_FORMAT='JSON');
CREATE TABLE o AS SELECT grp, COUNT(*) AS n, LATEST_BY_OFFSET(v) AS lv FROM ch GROUP BY grp EMIT CHANGES;`
	chain := func(string) (string, string, bool) { return "BLOCK_NUMBER", "LOG_INDEX", true }
	head := func(string) bool { return true }
	for _, c := range []struct {
		name   string
		window func(string) int64
		max    int // remembered after 300 blocks
	}{
		{"reorg window 4", func(string) int64 { return 4 }, 7},
		{"window unknown", nil, 301},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, stages := compileWith(t, ddl, Options{Retracting: head, ChainPosition: chain, ReorgWindow: c.window})
			got := map[string]string{}
			l := NewLocal(stages, func(o Output) {
				if o.Topic == "O" {
					got[string(o.Key)] = string(o.Value)
				}
			})
			offset := int64(0)
			feed := func(id string, block int, retract bool) {
				t.Helper()
				offset++
				r := Record{Topic: "ch", Offset: offset, Key: []byte(id), Headers: []Header{{Key: HeaderOp, Value: opUpsert}},
					Value: fmt.Appendf(nil, `{"grp":"g","v":%d,"block_number":%d,"log_index":0}`, block, block)}
				if retract {
					r.Value, r.Headers = nil, []Header{{Key: HeaderOp, Value: opRetract}}
				}
				if err := l.Feed(context.Background(), r); err != nil {
					t.Fatal(err)
				}
			}
			for b := 1; b <= 296; b++ {
				feed(fmt.Sprintf("r%d", b), b, false)
			}
			feed("r295", 297, false) // r295 again, later: an update, not a new input
			for b := 298; b <= 300; b++ {
				feed(fmt.Sprintf("r%d", b), b, false)
			}
			want := `{"N":299,"LV":300}`
			if got["g"] != want {
				t.Fatalf("after 300 blocks: %s, want %s", got["g"], want)
			}
			n := rememberedCount(l)
			t.Logf("contributions remembered after 300 blocks: %d", n)
			if n > c.max {
				t.Fatalf("%d contributions remembered, want at most %d", n, c.max)
			}
			// r295's first position (block 295) is final, its second
			// (297) is not: a reorg of block 297 and the newest ones
			// retracts it.
			for _, id := range []string{"r300", "r299", "r295"} {
				feed(id, 0, true)
			}
			if want := `{"N":296,"LV":298}`; got["g"] != want {
				t.Fatalf("after the reorg: %s, want %s", got["g"], want)
			}
		})
	}
}

// rememberedCount counts the contributions every stage's store remembers.
func rememberedCount(l *Local) int {
	n := 0
	for _, st := range l.stores {
		_ = st.Range([]byte{prefixEffect}, []byte{prefixEffect + 1}, func(_, _ []byte) error {
			n++
			return nil
		})
	}
	return n
}

// TestEffectQueueOrder: the queue gives contributions back by position,
// whether pushed one by one or loaded in any order.
func TestEffectQueueOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 100 {
		var q effectQueue
		var loaded effectQueue
		for range rng.IntN(50) {
			r := effectRef{seq: rng.Int64N(20)}
			q.push(r)
			loaded = append(loaded, r)
		}
		loaded.init()
		for _, h := range []*effectQueue{&q, &loaded} {
			last := int64(-1)
			for len(*h) > 0 {
				r := h.pop()
				if r.seq < last {
					t.Fatalf("popped %d after %d", r.seq, last)
				}
				last = r.seq
				if rng.IntN(2) == 0 { // a later input, as they come
					h.push(effectRef{seq: last + rng.Int64N(3)})
				}
			}
		}
	}
}
