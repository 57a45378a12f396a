package follow_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/follow"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/kafka"
)

// deepReorgHarness follows a chain of 16 blocks with traffic and returns
// once the follower has published its head.
func deepReorgHarness(t *testing.T, cfg follow.Config) *harness {
	h := newHarness(t, cfg, false)
	rng := rand.New(rand.NewPCG(11, 11))
	for range 16 {
		if err := h.traffic.Send(context.Background(), rng, 2); err != nil {
			t.Fatal(err)
		}
		h.chain.Commit()
	}
	h.start()
	h.waitCaughtUp()
	return h
}

// orphan makes a reorg of depth blocks and returns the orphaned headers as
// the follower's window held them, newest first.
func orphan(t *testing.T, h *harness, depth int) []chaintap.Header {
	t.Helper()
	head := h.chainHead()
	var old []chaintap.Header
	for n := head; n > head-uint64(depth); n-- {
		hd, err := h.direct.HeaderByNumber(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		old = append(old, hd)
	}
	if err := h.chain.Reorg(context.Background(), depth, depth+2); err != nil {
		t.Fatal(err)
	}
	h.traffic.ResetNonces()
	return old
}

// TestConfirmedReorgError: a reorg deeper than the confirmations (within
// the window) stops the follower with a *chaintap.ConfirmedReorgError
// naming the heights and hashes, after the head view was corrected and the
// reorg recorded; each restart stops the same way (also one accepting
// another height) until the follower is told to correct, and then both
// views fold to the canonical chain.
func TestConfirmedReorgError(t *testing.T) {
	h := deepReorgHarness(t, follow.Config{Chain: chainName, Window: 32, Confirmations: 3, From: &zero})
	head := h.chainHead()
	old := orphan(t, h, 6)
	err := h.stopped()
	var cr *chaintap.ConfirmedReorgError
	if !errors.As(err, &cr) {
		t.Fatalf("follower returned %v, want a *chaintap.ConfirmedReorgError", err)
	}
	r := cr.Reorg
	if cr.Chain != chainName || r.Depth != 6 || r.CommonAncestor.Number != head-6 || !reflect.DeepEqual(r.Orphaned, old) ||
		!r.ConfirmedHit || r.ConfirmedUpTo != head-3 || r.Policy != chaintap.PolicyStop || r.DetectedAtHead != old[0] || len(r.New) == 0 {
		t.Fatalf("reorg = %+v; want depth 6 above %d, orphaning %+v, confirmed up to %d", r, head-6, old, head-3)
	}
	if got := len(r.OrphanedConfirmed); got != 3 {
		t.Fatalf("%d orphaned confirmed blocks, want 3", got)
	}
	topics := kafka.TopicsFor("", chainName)
	ingesttest.CheckHeadView(t, h.kcfg, topics, follow.Enriched(h.direct, h.dec), 0, r.CommonAncestor.Number)
	if recs := ingesttest.Reorgs(t, h.kcfg, topics); len(recs) != 1 || !reflect.DeepEqual(recs[0], r) {
		t.Fatalf("%s holds %+v, want the reorg %+v", topics.Reorgs(), recs, r)
	}

	for _, accept := range []*uint64{nil, &head} {
		h.fcfg.AcceptReorg = accept
		h.start()
		if err := h.stopped(); !errors.As(err, &cr) || cr.Reorg.ID() != r.ID() {
			t.Fatalf("restart accepting %v: %v, want the same ConfirmedReorgError", accept, err)
		}
	}
	h.fcfg.AcceptReorg, h.fcfg.OnConfirmedReorg = nil, chaintap.PolicyCorrect
	h.start()
	h.waitCaughtUp()
	h.checkCorrected()
}

// TestCorrectConfirmedReorg: with PolicyCorrect the follower goes on, and
// both views fold to the canonical chain.
func TestCorrectConfirmedReorg(t *testing.T) {
	h := deepReorgHarness(t, follow.Config{Chain: chainName, Window: 32, Confirmations: 3, From: &zero, OnConfirmedReorg: chaintap.PolicyCorrect})
	orphan(t, h, 6)
	h.waitCaughtUp()
	h.checkCorrected()
	recs := ingesttest.Reorgs(t, h.kcfg, kafka.TopicsFor("", chainName))
	if len(recs) != 1 || !recs[0].ConfirmedHit || recs[0].Policy != chaintap.PolicyCorrect {
		t.Fatalf("reorg records %+v, want one that hit confirmed blocks and was corrected", recs)
	}
}

// TestReorgTooDeepError: a reorg below the window stops the follower with
// a *chaintap.ReorgTooDeepError naming the window's oldest block and the
// follower's head.
func TestReorgTooDeepError(t *testing.T) {
	h := deepReorgHarness(t, follow.Config{Chain: chainName, Window: 4, Confirmations: 2, From: &zero})
	head := h.chainHead()
	old := orphan(t, h, 6)
	err := h.stopped()
	var deep *chaintap.ReorgTooDeepError
	if !errors.As(err, &deep) {
		t.Fatalf("follower returned %v, want a *chaintap.ReorgTooDeepError", err)
	}
	if deep.Chain != chainName || deep.Head != old[0] || deep.Oldest != head-3 || deep.OldestHash != old[3].Hash {
		t.Fatalf("error %+v; want head %+v, oldest %d %s", deep, old[0], head-3, old[3].Hash)
	}
}

// TestAcceptThenCorrect: the follower stops on a confirmed reorg and is
// restarted accepting it (its orphans stay in the confirmed view) with
// PolicyCorrect for what comes next. A deeper reorg then hits confirmed
// blocks below the accepted ones: the correction retracts the accepted
// orphans too, and both views fold to the canonical chain.
func TestAcceptThenCorrect(t *testing.T) {
	h := deepReorgHarness(t, follow.Config{Chain: chainName, Window: 32, Confirmations: 3, From: &zero})
	orphan(t, h, 6)
	var cr *chaintap.ConfirmedReorgError
	if err := h.stopped(); !errors.As(err, &cr) {
		t.Fatalf("follower returned %v, want a *chaintap.ConfirmedReorgError", err)
	}
	first := cr.Reorg.FirstOrphaned()
	h.fcfg.AcceptReorg, h.fcfg.OnConfirmedReorg = &first, chaintap.PolicyCorrect
	h.start()
	h.waitCaughtUp()
	orphan(t, h, 10)
	h.waitCaughtUp()
	h.checkCorrected()
	recs := ingesttest.Reorgs(t, h.kcfg, kafka.TopicsFor("", chainName))
	last := recs[len(recs)-1]
	accepted := 0
	for _, o := range last.OrphanedConfirmed {
		for _, a := range cr.Reorg.OrphanedConfirmed {
			if o == a {
				accepted++
			}
		}
	}
	if len(recs) != 2 || last.Policy != chaintap.PolicyCorrect || accepted != len(cr.Reorg.OrphanedConfirmed) {
		t.Fatalf("reorg records %+v; want a second, corrected, that retracts the %d accepted orphans", recs, len(cr.Reorg.OrphanedConfirmed))
	}
}
