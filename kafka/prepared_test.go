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
	for i := 0; i < len(chain); i += 2 {
		pub.Prepare(chain[i])
	}
	orphan := block("bb", 17)
	// prepare encodes blocks in four workers while the caller publishes.
	prepare := func(bs ...*chaintap.EVMBlock) *sync.WaitGroup {
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := w; i < len(bs); i += 4 {
					pub.Prepare(bs[i])
				}
			})
		}
		return &wg
	}

	const batch, lag = 5, 7 // blocks per batch; confirmations
	for i := 0; i < len(chain); i += batch {
		apply := chain[i : i+batch]
		head := i + batch
		confirm := chain[max(0, i-lag):max(0, head-lag)]
		if head == len(chain) {
			confirm = chain[max(0, i-lag):]
		}
		// The next batch is prepared while this one is published; this
		// one was prepared only in part (every other block), so Publish
		// encodes the rest itself, into recycled buffers.
		ahead := append([]*chaintap.EVMBlock{orphan}, chain[min(head, len(chain)):min(head+batch, len(chain))]...)
		wg := prepare(ahead...)
		cur := cursorOf(chain[max(0, head-10):head]...)
		if err := pub.Publish(ctx, chaintap.Batch{Chain: "c", Apply: chaintap.Blocks(apply), Confirm: chaintap.Blocks(confirm), Origin: chaintap.OriginBackfill, Cursor: cur}); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
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
