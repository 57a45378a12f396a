package follow_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/chaintap/chaintap/follow"
	"github.com/chaintap/chaintap/internal/testseed"
)

var zero = uint64(0)

func reorgConfig() follow.Config {
	return follow.Config{Chain: chainName, Window: 64, Confirmations: 40, From: &zero, FlushInterval: 5 * time.Millisecond}
}

// TestScriptedReorgs drives forks of depth 1, 2 and 5 through the follower
// and checks the head and confirmed views after each.
func TestScriptedReorgs(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, reorgConfig(), false)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 45 {
		if err := h.traffic.Send(ctx, rng, 3); err != nil {
			t.Fatal(err)
		}
		h.chain.Commit()
	}
	h.start()
	h.waitCaughtUp()
	h.check()
	reorgs := 0.0
	for _, depth := range []int{1, 2, 5} {
		if err := h.traffic.Send(ctx, rng, 4); err != nil {
			t.Fatal(err)
		}
		h.chain.Commit()
		h.waitCaughtUp()
		if err := h.chain.Reorg(ctx, depth, depth+1); err != nil {
			t.Fatal(err)
		}
		h.traffic.ResetNonces()
		h.waitCaughtUp()
		h.check()
		reorgs++
		if got := h.metricsReorgs(); got != reorgs {
			t.Fatalf("after the depth-%d fork the follower counted %v reorgs, want %v", depth, got, reorgs)
		}
	}
}

// TestRandomReorgs runs at least 200 random scenarios (reorg depth 1–31)
// and checks both views along the way and at the end. Set
// CHAINTAP_SEED to replay a run.
func TestRandomReorgs(t *testing.T) {
	seed := testseed.Seed(t)
	scenarios := 200
	if testing.Short() {
		scenarios = 20
	}
	ctx := context.Background()
	h := newHarness(t, reorgConfig(), false)
	rng := rand.New(rand.NewPCG(seed, seed))
	for range 40 {
		h.chain.Commit()
	}
	h.start()
	for i := range scenarios {
		for range 1 + rng.IntN(3) {
			if err := h.traffic.Send(ctx, rng, rng.IntN(5)); err != nil {
				t.Fatal(err)
			}
			h.chain.Commit()
		}
		h.waitCaughtUp()
		// Depth 1–31: the simulated chain finalizes every 32nd block and
		// a reorg cannot orphan a finalized block, so at most 31 blocks are
		// ever above it. Seal empty blocks until the drawn depth fits.
		depth := 1 + rng.IntN(31)
		for {
			room, err := h.chain.Headroom(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if room >= uint64(depth) {
				break
			}
			h.chain.Commit()
		}
		if err := h.chain.Reorg(ctx, depth, depth+1+rng.IntN(2)); err != nil {
			t.Fatal(err)
		}
		h.traffic.ResetNonces()
		if i%50 == 49 {
			h.waitCaughtUp()
			h.check()
		}
	}
	h.waitCaughtUp()
	h.check()
	if got := h.metricsReorgs(); got < float64(scenarios)*0.9 {
		t.Fatalf("only %v reorgs seen in %d scenarios", got, scenarios)
	}
}
