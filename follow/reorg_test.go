package follow_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/kafka"

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
// per setting and checks both views along the way and at the end.
// "shallow" keeps 40 confirmations, so no reorg reaches the confirmed view;
// "correct" and "stop" keep 8 in the same 64-header window, so most reorgs
// orphan confirmed blocks: the follower corrects the confirmed view, or
// stops and is restarted accepting the reorg it stopped on. Set
// CHAINTAP_SEED to replay a run.
func TestRandomReorgs(t *testing.T) {
	seed := testseed.Seed(t)
	for _, c := range []struct {
		name          string
		confirmations uint64
		policy        chaintap.ConfirmedReorgPolicy
	}{
		{"shallow", 40, chaintap.PolicyStop},
		{"correct", 8, chaintap.PolicyCorrect},
		{"stop", 8, chaintap.PolicyStop},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := reorgConfig()
			cfg.Confirmations, cfg.OnConfirmedReorg = c.confirmations, c.policy
			randomReorgs(t, seed, cfg, c.name == "shallow")
		})
	}
}

func randomReorgs(t *testing.T, seed uint64, cfg follow.Config, shallow bool) {
	scenarios := 200
	if testing.Short() {
		scenarios = 20
	}
	ctx := context.Background()
	h := newHarness(t, cfg, false)
	accepted := map[string]bool{} // orphaned confirmed blocks the stop policy accepted
	stops := 0
	h.onStop = func(err error) bool {
		var cr *chaintap.ConfirmedReorgError
		if cfg.OnConfirmedReorg != chaintap.PolicyStop || shallow || !errors.As(err, &cr) {
			return false
		}
		stops++
		for _, o := range cr.Reorg.OrphanedConfirmed {
			accepted[o.Hash] = true
		}
		first := cr.Reorg.FirstOrphaned()
		h.fcfg.AcceptReorg = &first
		h.start()
		return true
	}
	check := func() {
		h.waitCaughtUp()
		switch {
		case shallow:
			h.check()
		case cfg.OnConfirmedReorg == chaintap.PolicyCorrect:
			h.checkCorrected()
		default:
			h.checkAccepting(accepted)
		}
	}
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
			check()
		}
	}
	check()
	h.checkReorgRecords(scenarios, shallow, stops)
}

// checkReorgRecords: every reorg the follower counted is in <chain>.reorgs,
// once; a shallow run has no confirmed hit, a deep one many, and the stop
// policy stopped once per confirmed hit.
func (h *harness) checkReorgRecords(scenarios int, shallow bool, stops int) {
	h.t.Helper()
	got := h.metricsReorgs()
	if got < float64(scenarios)*0.9 {
		h.t.Fatalf("only %v reorgs seen in %d scenarios", got, scenarios)
	}
	recs := ingesttest.Reorgs(h.t, h.kcfg, kafka.TopicsFor("", chainName))
	hits := 0
	for _, r := range recs {
		if r.ConfirmedHit {
			hits++
		}
	}
	confirmed := testutil.ToFloat64(h.metrics.ConfirmedReorgs(chainName))
	switch {
	case float64(len(recs)) != got:
		h.t.Fatalf("%d reorg records, %v reorgs counted", len(recs), got)
	case float64(hits) != confirmed:
		h.t.Fatalf("%d reorg records hit confirmed blocks, %v counted", hits, confirmed)
	case shallow && hits > 0:
		h.t.Fatalf("%d reorgs hit confirmed blocks with 40 confirmations", hits)
	case !shallow && hits < scenarios/4:
		h.t.Fatalf("only %d of %d reorgs hit confirmed blocks", hits, len(recs))
	case h.fcfg.OnConfirmedReorg == chaintap.PolicyStop && !shallow && stops != hits:
		h.t.Fatalf("stopped %d times on %d confirmed reorgs", stops, hits)
	}
	h.t.Logf("%d reorgs, %d of them orphaned confirmed blocks", len(recs), hits)
}
