package seal_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/chaintap/chaintap/internal/testseed"
	"github.com/chaintap/chaintap/seal"
)

// TestSlowAnchorNeverStallsSealing: with an anchor that hangs (a chain
// that stopped mining), the pass-through still seals every record; once
// the anchor answers, after the stop, the checkpoints that waited are
// anchored: the newest of each partition (the last), the older ones
// superseded.
func TestSlowAnchorNeverStallsSealing(t *testing.T) {
	rng := rand.New(rand.NewPCG(testseed.Seed(t), 9))
	s, keys, _ := testKeys(t, "anchor-queue")
	_, kcfg := startBroker(t, "127.0.0.1:0", "")
	createTopic(t, kcfg, "raw", 2)
	produce(t, kcfg, rawRecords(rng, "raw", 2, 300, 0))

	release := make(chan struct{})
	var mu sync.Mutex
	var anchored []seal.Checkpoint
	anchor := func(ctx context.Context, c seal.Checkpoint) error {
		select {
		case <-release:
		case <-ctx.Done():
			return ctx.Err()
		}
		mu.Lock()
		defer mu.Unlock()
		anchored = append(anchored, c)
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- seal.Pass(ctx, seal.PassConfig{Kafka: kcfg, From: "raw", To: "sealed", Signer: s, Every: 20,
			Interval: 200 * time.Millisecond, OnCheckpoint: anchor})
	}()
	// The first records' checkpoints hang in the anchor; records that
	// arrive after them must be sealed all the same.
	waitSealed := func(n int) {
		deadline := time.Now().Add(15 * time.Second)
		for countRecords(t, kcfg, "sealed") < n {
			if time.Now().After(deadline) {
				cancel()
				close(release)
				t.Fatalf("sealing stalled behind a hung anchor: %d of %d records sealed in 15 s (%v)", countRecords(t, kcfg, "sealed"), n, <-done)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitSealed(300)
	produce(t, kcfg, rawRecords(rng, "raw", 2, 300, 300))
	waitSealed(600)
	cancel() // the stop's last checkpoints join the queue
	time.Sleep(100 * time.Millisecond)
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	res := verifyOK(t, kcfg, keys, "sealed", 600)
	mu.Lock()
	defer mu.Unlock()
	if len(anchored) > 2+1 { // one per partition, and the one the anchor held
		t.Fatalf("%d checkpoints anchored: superseded ones were not dropped", len(anchored))
	}
	for _, r := range res {
		found := false
		for _, c := range anchored {
			found = found || (c.Partition == r.Partition && c.Size == r.Sealed)
		}
		if !found {
			t.Fatalf("partition %d's last checkpoint (size %d) was not anchored; anchored: %+v", r.Partition, r.Sealed, anchored)
		}
	}
	t.Logf("%d checkpoints anchored after the anchor came back", len(anchored))
}
