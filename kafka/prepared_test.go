package kafka_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/kafka"
)

// TestPreparedBlocksPublishTheirOwnRecords prepares blocks concurrently and
// ahead of publishing (as the follower's fetch workers do), including a
// block that is then orphaned before it is published, and publishes them
// in batches whose confirmations lag the head. Buffers of committed blocks
// are reused for later ones, so a buffer recycled too early would show as
// a record whose value is another block's: every value must equal its own
// record encoded by encoding/json.
func TestPreparedBlocksPublishTheirOwnRecords(t *testing.T) {
	ctx := context.Background()
	b, cfg := startBroker(t, "")
	defer b.Close()
	pub := newPublisher(t, cfg)

	var chain []*chaintap.EVMBlock
	for n := uint64(1); n <= 30; n++ {
		chain = append(chain, block("aa", n))
	}
	// held are the blocks as the follower holds them: prepared or not.
	held := chaintap.Blocks(chain)
	for i := 0; i < len(chain); i += 2 {
		held[i] = pub.Prepare(chain[i])
	}
	orphan := pub.Prepare(block("bb", 17))
	// prepare encodes blocks in four workers while the caller publishes.
	prepare := func(from, to int) *sync.WaitGroup {
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := from + w; i < to; i += 4 {
					held[i] = pub.Prepare(held[i])
				}
			})
		}
		return &wg
	}

	const batch, lag = 5, 7 // blocks per batch; confirmations
	for i := 0; i < len(chain); i += batch {
		head := i + batch
		apply := append([]chaintap.Block(nil), held[i:head]...)
		confirm := append([]chaintap.Block(nil), held[max(0, i-lag):max(0, head-lag)]...)
		if head == len(chain) {
			confirm = append([]chaintap.Block(nil), held[max(0, i-lag):]...)
		}
		// The next batch is prepared while this one is published; this
		// one was prepared only in part (every other block), so Publish
		// encodes the rest itself, into recycled buffers.
		wg := prepare(min(head, len(chain)), min(head+batch, len(chain)))
		cur := cursorOf(chain[max(0, head-10):head]...)
		if err := pub.Publish(ctx, chaintap.Batch{Chain: "c", Apply: apply, Confirm: confirm, Origin: chaintap.OriginBackfill, Cursor: cur}); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		// Confirmed blocks are no longer held: their buffers go to the
		// blocks prepared next. The orphan goes with the first batch.
		for _, b := range confirm {
			pub.Release(b)
		}
		if orphan != nil {
			pub.Release(orphan)
			orphan = nil
		}
	}

	topics := kafka.TopicsFor("", "c")
	for _, confirmed := range []bool{false, true} {
		want := map[string]map[string]string{} // topic → key → value
		for _, blk := range chain {
			for _, r := range kafka.BlockRecords(blk, confirmed) {
				topic := topics.Head(r.Entity)
				if confirmed {
					topic = topics.Confirmed(r.Entity)
				}
				v, err := json.Marshal(r.Value)
				if err != nil {
					t.Fatal(err)
				}
				if want[topic] == nil {
					want[topic] = map[string]string{}
				}
				want[topic][r.Key] = string(v)
			}
		}
		for topic, byKey := range want {
			got := records(t, cfg, topic)
			if len(got) != len(byKey) {
				t.Errorf("%s: %d records, want %d", topic, len(got), len(byKey))
			}
			for _, r := range got {
				if w, ok := byKey[string(r.Key)]; !ok || string(r.Value) != w {
					t.Fatalf("%s %s:\n got  %s\n want %s", topic, r.Key, r.Value, w)
				}
			}
		}
	}
}
