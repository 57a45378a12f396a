package follow

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/chaintap/chaintap"
)

// run is one life of a follower, from a loaded cursor to an error. All its
// state is rebuilt from the cursor when it is replaced.
type run struct {
	*Follower
	tracker   *Tracker
	start     uint64
	confirmed uint64
	confSet   bool
	target    uint64            // newest head the node announced
	retract   []chaintap.Header // orphans awaiting the next batch
	// reorgs and correct await the next batch too: the reorgs that caused
	// retract, and the confirmed blocks they orphaned (PolicyCorrect).
	reorgs  []chaintap.Reorg
	correct []chaintap.Correction
	// stoppedOn is the confirmed reorg the follower stopped on, carried
	// in the cursor until it is accepted or corrected; accepted are the
	// orphans the confirmed view keeps after an acceptance (Cursor.Accepted).
	stoppedOn *chaintap.Reorg
	accepted  []chaintap.Header
	// budget counts the bytes of every block the run holds; cache holds
	// the batch being built and the published, unconfirmed blocks;
	// refetched are blocks fetched again to be confirmed by the batch
	// being published.
	budget    *budget
	cache     *unconfirmed
	refetched []heldBlock
	announced map[uint64]time.Time // when live heads were announced
}

func (f *Follower) newRun(ctx context.Context, cur *chaintap.Cursor) (*run, error) {
	r := &run{Follower: f, budget: newBudget(f.cfg.MemoryBudget), announced: map[uint64]time.Time{}}
	var release func(chaintap.Block)
	if p, ok := f.pub.(chaintap.Preparer); ok {
		release = p.Release
	}
	r.cache = newUnconfirmed(r.budget, release)
	head, err := f.src.HeadNumber(ctx)
	if err != nil {
		return nil, err
	}
	r.target = head
	if cur == nil {
		r.start = head
		if f.cfg.From != nil {
			r.start = *f.cfg.From
		}
		r.tracker = NewTracker(f.cfg.Chain, f.cfg.Window, nil)
		f.log.Info("no cursor: starting", "from", r.start, "node_head", head)
		return r, nil
	}
	r.start, r.confirmed, r.confSet, r.accepted = cur.Start, cur.Confirmed, cur.ConfirmedSet, cur.Accepted
	r.tracker = NewTracker(f.cfg.Chain, f.cfg.Window, cur.Window)
	h, _ := r.tracker.Head()
	f.log.Info("resuming from the cursor", "head", h.Number, "hash", h.Hash, "confirmed", cur.Confirmed, "node_head", head)
	if cur.StoppedOn != nil {
		if err := r.resume(*cur.StoppedOn); err != nil {
			return nil, err
		}
	}
	// A reorg may have happened while we were down.
	return r, r.check(ctx)
}

// next is the first block number not yet published.
func (r *run) next() uint64 {
	if h, ok := r.tracker.Head(); ok {
		return h.Number + 1
	}
	return r.start
}

func (r *run) loop(ctx context.Context, heads <-chan uint64) error {
	for {
		if r.next() <= r.target {
			if err := r.catchUp(ctx); err != nil {
				return err
			}
			continue
		}
		if r.pending() {
			if err := r.flush(ctx, nil); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case n := <-heads:
			r.announce(n)
			for drained := false; !drained; {
				select {
				case n = <-heads:
					r.announce(n)
				default:
					drained = true
				}
			}
			r.target = n
			if err := r.check(ctx); err != nil {
				return err
			}
		}
	}
}

func (r *run) announce(n uint64) {
	if _, ok := r.announced[n]; !ok && n >= r.next() {
		r.announced[n] = time.Now()
	}
}

// check compares our chain with the node's at the highest height both
// have, and resolves a reorg if they differ. A node that is merely behind
// (or a lagging replica) is not a reorg.
func (r *run) check(ctx context.Context) error {
	head, ok := r.tracker.Head()
	if !ok {
		return nil
	}
	h := min(head.Number, r.target)
	mine, ok := r.tracker.At(h)
	if !ok {
		return nil
	}
	theirs, err := r.src.HeaderByNumber(ctx, h)
	if errors.Is(err, chaintap.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if theirs.Hash == mine.Hash {
		return nil
	}
	return r.reorg(ctx, h)
}

// reorg rewinds the tracker to the common ancestor at or below height and
// queues the orphans for retraction in the next batch, with the reorg's
// record; that batch also carries the first blocks of the new branch. A
// reorg that orphaned confirmed blocks is then handled by the policy.
func (r *run) reorg(ctx context.Context, height uint64) error {
	before, _ := r.tracker.Head()
	plan, err := r.tracker.Resolve(ctx, r.src, height)
	if err != nil {
		return err
	}
	if len(plan.Orphaned) == 0 {
		return nil
	}
	ev := r.describe(plan, before)
	r.metrics.reorg(r.cfg.Chain, ev.Depth, ev.ConfirmedHit)
	r.log.Info("reorg", "depth", ev.Depth, "ancestor", ev.CommonAncestor.Number, "ancestor_hash", ev.CommonAncestor.Hash, "confirmed_hit", ev.ConfirmedHit)
	for _, h := range plan.Orphaned {
		if b, ok := r.cache.get(h.Number); ok && b.Header().Hash == h.Hash {
			r.cache.drop(h.Number)
		}
	}
	r.retract = append(r.retract, plan.Orphaned...)
	if ev.ConfirmedHit {
		return r.confirmedReorg(ctx, ev)
	}
	r.reorgs = append(r.reorgs, ev)
	return nil
}

// describe is the record of the reorg plan resolved from head.
func (r *run) describe(plan Plan, head chaintap.Header) chaintap.Reorg {
	ev := chaintap.Reorg{
		Type: chaintap.KindReorg, Chain: r.cfg.Chain, Depth: len(plan.Orphaned),
		CommonAncestor: plan.Ancestor, Orphaned: plan.Orphaned, New: plan.New,
		DetectedAtHead: head, NodeHead: r.target, ConfirmedUpTo: r.confirmed,
	}
	ev.OrphanedConfirmed, ev.ConfirmedHit = r.orphanedConfirmed(plan)
	if !ev.ConfirmedHit {
		ev.OrphanedConfirmed = nil
	}
	return ev
}

// orphanedConfirmed returns what the confirmed view holds above the plan's
// ancestor, newest first, and whether the plan orphaned any of it. At a
// height where an accepted orphan stays, that orphan is what the view
// holds (and orphaning the window's block there hits nothing confirmed).
func (r *run) orphanedConfirmed(plan Plan) ([]chaintap.Header, bool) {
	if !r.confSet {
		return nil, false
	}
	orphaned := map[uint64]chaintap.Header{}
	for _, h := range plan.Orphaned {
		orphaned[h.Number] = h
	}
	accepted := map[uint64]chaintap.Header{}
	for _, h := range r.accepted {
		accepted[h.Number] = h
	}
	var held []chaintap.Header
	hit := false
	for n := r.confirmed; n > plan.Ancestor.Number; n-- {
		if h, ok := accepted[n]; ok {
			held = append(held, h)
		} else if h, ok := orphaned[n]; ok {
			held, hit = append(held, h), true
		}
	}
	return held, hit
}

// pending reports whether something awaits a batch even without new
// blocks: retractions, corrections or reorg records.
func (r *run) pending() bool {
	return len(r.retract) > 0 || len(r.correct) > 0 || len(r.reorgs) > 0
}

// catchUp fetches next()..target in parallel and publishes in order, in
// batches. It returns early after a reorg or when the node lost a block it
// had announced; the loop then starts again from the new position. A
// batch closes by the CatchUpRule (MaxBatch blocks, a quarter of the
// memory budget, FlushInterval) or at the target.
func (r *run) catchUp(ctx context.Context) error {
	pf := startPrefetch(ctx, r.src, r.next(), r.target, r.cfg.Concurrency, 2*r.cfg.MaxBatch, r.budget, r.prepare())
	defer pf.stop()
	rule := r.cfg.CatchUpRule()
	var batch []chaintap.Block
	var batchStart time.Time
	var batchBytes int
	for {
		b, size, ok, err := pf.next(ctx)
		if err != nil {
			if ferr := r.flush(ctx, batch); ferr != nil {
				return ferr
			}
			if errors.Is(err, chaintap.ErrNotFound) {
				// The node no longer has a block it announced: its head
				// went back (a reorg to a shorter chain, or a lagging
				// replica). Look again.
				return r.refreshTarget(ctx)
			}
			return err
		}
		if !ok {
			return r.flush(ctx, batch)
		}
		h := b.Header()
		if !r.tracker.Extends(h) {
			r.budget.give(size)
			if err := r.flush(ctx, batch); err != nil {
				return err
			}
			return r.reorg(ctx, h.Number-1)
		}
		if err := r.tracker.Apply(h); err != nil {
			r.budget.give(size)
			return err
		}
		r.cache.add(b, size)
		if len(batch) == 0 {
			batchStart, batchBytes = time.Now(), 0
		}
		batch, batchBytes = append(batch, b), batchBytes+size
		if h.Number >= r.target || rule.Full(len(batch), int64(batchBytes), time.Since(batchStart)) {
			if err := r.flush(ctx, batch); err != nil {
				return err
			}
			batch = nil
		}
	}
}

func (r *run) refreshTarget(ctx context.Context) error {
	n, err := r.src.HeadNumber(ctx)
	if err != nil {
		return err
	}
	r.target = n
	return r.check(ctx)
}

// flush publishes the pending retractions, apply and what became confirmed,
// with the cursor, in one transaction.
func (r *run) flush(ctx context.Context, apply []chaintap.Block) error {
	if len(apply) == 0 && !r.pending() {
		return nil
	}
	confirm, err := r.toConfirm(ctx)
	if err != nil {
		r.letGoOfRefetched(false)
		return err
	}
	origin := chaintap.OriginLive
	if len(apply) > 0 && apply[len(apply)-1].Header().Number < r.target {
		origin = chaintap.OriginBackfill
	}
	confirmed, confSet := r.confirmed, r.confSet
	if len(confirm) > 0 {
		confirmed, confSet = confirm[len(confirm)-1].Header().Number, true
	}
	batch := chaintap.Batch{
		Chain: r.cfg.Chain, Retract: r.retract, Reorgs: r.reorgs, Correct: r.correct, Apply: apply, Confirm: confirm, Origin: origin,
		Cursor: chaintap.Cursor{Chain: r.cfg.Chain, Start: r.start, Window: r.tracker.Window(), Confirmed: confirmed, ConfirmedSet: confSet,
			StoppedOn: r.stoppedOn, Accepted: r.acceptedInWindow()},
	}
	err = r.pub.Publish(ctx, batch)
	r.letGoOfRefetched(err == nil)
	if err != nil {
		return err
	}
	r.committed(batch)
	return nil
}

// prepare is the publisher's Prepare, or nil.
func (r *run) prepare() func(chaintap.Block) chaintap.Block {
	if p, ok := r.pub.(chaintap.Preparer); ok {
		return p.Prepare
	}
	return nil
}

// letGoOfRefetched gives back the bytes of the blocks fetched again for the
// confirmed view, and their buffers if they were published.
func (r *run) letGoOfRefetched(published bool) {
	for _, h := range r.refetched {
		r.budget.give(h.bytes)
		if published && r.cache.release != nil {
			r.cache.release(h.block)
		}
	}
	r.refetched = nil
}

// committed updates the run's state after a successful publish.
func (r *run) committed(b chaintap.Batch) {
	now := time.Now()
	chain := r.cfg.Chain
	r.confirmed, r.confSet = b.Cursor.Confirmed, b.Cursor.ConfirmedSet
	r.retract, r.reorgs, r.correct = nil, nil, nil
	// Confirmed now, or (an accepted confirmed reorg) at a height
	// confirmed before: never needed again.
	r.cache.committed(r.confirmed, r.confSet)
	for _, blk := range b.Apply {
		n := blk.Header().Number
		if t, ok := r.announced[n]; ok {
			r.metrics.latency.WithLabelValues(chain).Observe(now.Sub(t).Seconds())
			delete(r.announced, n)
		}
	}
	for n := range r.announced {
		if n < r.next() {
			delete(r.announced, n)
		}
	}
	head, _ := r.tracker.Head()
	r.metrics.head.WithLabelValues(chain).Set(float64(head.Number))
	r.metrics.confirmed.WithLabelValues(chain).Set(float64(r.confirmed))
	held, peak := r.budget.held()
	r.metrics.memory.WithLabelValues(chain).Set(float64(held))
	r.metrics.blocks.WithLabelValues(chain, "head", "upsert").Add(float64(len(b.Apply)))
	r.metrics.blocks.WithLabelValues(chain, "head", "retract").Add(float64(len(b.Retract)))
	r.metrics.blocks.WithLabelValues(chain, "confirmed", "upsert").Add(float64(len(b.Confirm)))
	r.metrics.blocks.WithLabelValues(chain, "confirmed", "retract").Add(float64(len(b.Correct)))
	if r.onProgress != nil {
		r.onProgress(Progress{Head: head.Number, HeadHash: head.Hash, Target: r.target, Confirmed: r.confirmed, Applied: len(b.Apply), Retracted: len(b.Retract),
			MemoryHeld: held, MemoryPeak: peak})
	}
}

// toConfirm returns the blocks that reached the confirmed height and were
// not yet published to the confirmed view, oldest first.
func (r *run) toConfirm(ctx context.Context) ([]chaintap.Block, error) {
	head, ok := r.tracker.Head()
	if !ok {
		return nil, nil
	}
	upTo, ok, err := r.confirmedHeight(ctx, head.Number)
	if err != nil || !ok {
		return nil, err
	}
	from := r.start
	if r.confSet {
		from = r.confirmed + 1
	}
	var out []chaintap.Block
	refetched := 0 // bytes; at most a quarter of the budget, at least one block
	for n := from; n <= upTo && len(out) < r.cfg.MaxBatch && (refetched == 0 || int64(refetched) < r.budget.limit/4); n++ {
		b, size, err := r.canonicalBlock(ctx, n)
		if err != nil {
			return nil, fmt.Errorf("confirming block %d: %w", n, err)
		}
		refetched += size
		out = append(out, b)
	}
	return out, nil
}

func (r *run) confirmedHeight(ctx context.Context, head uint64) (uint64, bool, error) {
	if r.cfg.ConfirmTag != "" {
		n, err := r.src.TagNumber(ctx, r.cfg.ConfirmTag)
		if errors.Is(err, chaintap.ErrNotFound) {
			return 0, false, nil // no block carries the tag yet
		}
		if err != nil {
			return 0, false, err
		}
		return min(n, head), true, nil
	}
	if head < r.cfg.Confirmations {
		return 0, false, nil
	}
	return head - r.cfg.Confirmations, true, nil
}

// canonicalBlock returns our canonical block at n: from the cache, else
// fetched by the hash the window holds, else (below the window) by number.
// A block fetched again is prepared, counted in the budget until its batch
// is published (r.refetched), and its footprint returned.
func (r *run) canonicalBlock(ctx context.Context, n uint64) (chaintap.Block, int, error) {
	h, inWindow := r.tracker.At(n)
	if b, ok := r.cache.get(n); ok && (!inWindow || b.Header().Hash == h.Hash) {
		return b, 0, nil
	}
	var b chaintap.Block
	var err error
	if inWindow {
		b, err = r.src.BlockByHash(ctx, h.Hash)
	} else {
		b, err = r.src.BlockByNumber(ctx, n)
	}
	if err != nil {
		return nil, 0, err
	}
	if prepare := r.prepare(); prepare != nil {
		b = prepare(b)
	}
	size := chaintap.Footprint(b)
	r.budget.take(size)
	r.refetched = append(r.refetched, heldBlock{b, size})
	return b, size, nil
}
