package follow

import (
	"context"
	"fmt"

	"github.com/chaintap/chaintap"
)

// confirmedReorg applies the policy to a reorg that orphaned confirmed
// blocks, whose orphans are already queued for retraction. PolicyCorrect
// queues the confirmed view's corrections with them; PolicyStop publishes
// the head view's retractions and the reorg's record at once, with a
// cursor that remembers the reorg, and stops the follower.
func (r *run) confirmedReorg(ctx context.Context, ev chaintap.Reorg) error {
	ev.Policy = r.cfg.OnConfirmedReorg
	r.reorgs = append(r.reorgs, ev)
	r.log.Warn("reorg orphaned confirmed blocks", "first", ev.FirstOrphaned(), "confirmed_up_to", ev.ConfirmedUpTo, "on_confirmed_reorg", ev.Policy)
	if ev.Policy == chaintap.PolicyCorrect {
		r.correctConfirmed(ev)
		return nil
	}
	r.stoppedOn = &ev
	if err := r.flush(ctx, nil); err != nil {
		return err
	}
	return &chaintap.ConfirmedReorgError{Chain: r.cfg.Chain, Reorg: ev}
}

// correctConfirmed queues the retraction of what the confirmed view holds
// above ev's common ancestor and moves the confirmed height back to the
// ancestor, so that the canonical blocks above it are confirmed again as
// the new branch reaches the confirmed height.
func (r *run) correctConfirmed(ev chaintap.Reorg) {
	for _, h := range ev.OrphanedConfirmed {
		r.correct = append(r.correct, chaintap.Correction{Block: h, Reorg: ev.ID()})
	}
	r.confirmed = min(r.confirmed, ev.CommonAncestor.Number)
	r.accepted = below(r.accepted, ev.CommonAncestor.Number)
}

// accept keeps what the confirmed view holds above ev's common ancestor:
// those orphans are remembered, so that a later reorg there neither
// counts the window's blocks as confirmed nor forgets to retract them.
func (r *run) accept(ev chaintap.Reorg) {
	r.accepted = append(append([]chaintap.Header(nil), ev.OrphanedConfirmed...), below(r.accepted, ev.CommonAncestor.Number)...)
}

// acceptedInWindow returns the accepted orphans a reorg can still reach:
// those at heights the window covers.
func (r *run) acceptedInWindow() []chaintap.Header {
	if len(r.accepted) == 0 {
		return nil
	}
	w := r.tracker.Window()
	if len(w) == 0 {
		return r.accepted
	}
	var out []chaintap.Header
	for _, h := range r.accepted {
		if h.Number >= w[0].Number {
			out = append(out, h)
		}
	}
	return out
}

// below returns the headers of hs at or below height n.
func below(hs []chaintap.Header, n uint64) []chaintap.Header {
	var out []chaintap.Header
	for _, h := range hs {
		if h.Number <= n {
			out = append(out, h)
		}
	}
	return out
}

// resume decides how to go on from a cursor that stopped on the confirmed
// reorg ev: accept it (Config.AcceptReorg names its first orphaned
// height), correct it (PolicyCorrect), or stop again. The decision reaches
// Kafka with the next batch, whose cursor no longer carries ev.
func (r *run) resume(ev chaintap.Reorg) error {
	stop := &chaintap.ConfirmedReorgError{Chain: r.cfg.Chain, Reorg: ev}
	switch accept := r.cfg.AcceptReorg; {
	case accept != nil && *accept == ev.FirstOrphaned():
		r.log.Warn("accepting the confirmed reorg: the confirmed view keeps the orphaned blocks", "first", ev.FirstOrphaned(), "confirmed_up_to", ev.ConfirmedUpTo)
		r.accept(ev)
		return nil
	case accept != nil:
		return fmt.Errorf("accepting a confirmed reorg at block %d: the follower stopped on one at block %d: %w", *accept, ev.FirstOrphaned(), stop)
	case r.cfg.OnConfirmedReorg == chaintap.PolicyCorrect:
		r.log.Warn("correcting the confirmed reorg the follower stopped on", "first", ev.FirstOrphaned(), "confirmed_up_to", ev.ConfirmedUpTo)
		r.correctConfirmed(ev)
		return nil
	default:
		r.stoppedOn = &ev
		return stop
	}
}
