// Package follow follows one chain: the canonical-chain tracker (pure logic,
// no I/O) and the Follower loop that drives a BlockSource into a Publisher.
package follow

import (
	"context"
	"errors"
	"fmt"

	"github.com/chaintap/chaintap"
)

// HeaderSource answers the tracker's one question: which header is
// canonical at a height. chaintap.ErrNotFound means the node has none there.
type HeaderSource interface {
	HeaderByNumber(ctx context.Context, number uint64) (chaintap.Header, error)
}

// Tracker keeps a window of recent canonical headers and detects reorgs by
// parent hash. It never trusts a node's "removed" flags.
type Tracker struct {
	chain  string
	size   int
	window []chaintap.Header // oldest first, contiguous numbers
}

// NewTracker returns a tracker holding at most size headers, seeded with
// window (oldest first), e.g. from a cursor.
func NewTracker(chain string, size int, window []chaintap.Header) *Tracker {
	if size < 1 {
		size = 1
	}
	t := &Tracker{chain: chain, size: size}
	t.window = append(t.window, window...)
	t.trim()
	return t
}

// Head returns the newest header and whether the window holds any.
func (t *Tracker) Head() (chaintap.Header, bool) {
	if len(t.window) == 0 {
		return chaintap.Header{}, false
	}
	return t.window[len(t.window)-1], true
}

// Window returns a copy of the window, oldest first.
func (t *Tracker) Window() []chaintap.Header {
	return append([]chaintap.Header(nil), t.window...)
}

// At returns the header the window holds at number.
func (t *Tracker) At(number uint64) (chaintap.Header, bool) {
	if len(t.window) == 0 || number < t.window[0].Number {
		return chaintap.Header{}, false
	}
	i := number - t.window[0].Number
	if i >= uint64(len(t.window)) {
		return chaintap.Header{}, false
	}
	return t.window[i], true
}

// Extends reports whether h is the next block on top of the head. An empty
// window accepts any header (the first block of a follower).
func (t *Tracker) Extends(h chaintap.Header) bool {
	head, ok := t.Head()
	if !ok {
		return true
	}
	return h.Number == head.Number+1 && h.ParentHash == head.Hash
}

// Apply appends h, which must extend the head.
func (t *Tracker) Apply(h chaintap.Header) error {
	if !t.Extends(h) {
		head, _ := t.Head()
		return fmt.Errorf("block %d %s does not extend head %d %s", h.Number, h.Hash, head.Number, head.Hash)
	}
	t.window = append(t.window, h)
	t.trim()
	return nil
}

func (t *Tracker) trim() {
	if over := len(t.window) - t.size; over > 0 {
		t.window = append(t.window[:0:0], t.window[over:]...)
	}
}

// Plan is what a reorg asks of the follower: retract Orphaned (newest
// first), then apply the node's canonical blocks from Ancestor.Number+1 on,
// oldest first. New holds the node's headers seen at the orphaned heights
// while looking for the ancestor, oldest first (what replaces the orphans,
// as far as the node had it then).
type Plan struct {
	Ancestor chaintap.Header
	Orphaned []chaintap.Header
	New      []chaintap.Header
}

// Resolve finds the newest header of the window at or below height that the
// node still has as canonical, rewinds the window to it and returns the
// plan. It asks src for headers newest first, so a shallow reorg costs few
// calls. A reorg below the window is a *chaintap.ReorgTooDeepError.
func (t *Tracker) Resolve(ctx context.Context, src HeaderSource, height uint64) (Plan, error) {
	head, ok := t.Head()
	if !ok {
		return Plan{}, errors.New("resolve on an empty window")
	}
	var seen []chaintap.Header // the node's headers, newest first
	for i := len(t.window) - 1; i >= 0; i-- {
		mine := t.window[i]
		if mine.Number > height {
			continue
		}
		theirs, err := src.HeaderByNumber(ctx, mine.Number)
		if errors.Is(err, chaintap.ErrNotFound) {
			continue
		}
		if err != nil {
			return Plan{}, fmt.Errorf("looking for the common ancestor at block %d: %w", mine.Number, err)
		}
		if theirs.Hash != mine.Hash {
			seen = append(seen, theirs)
			continue
		}
		plan := Plan{Ancestor: mine}
		for j := len(t.window) - 1; j > i; j-- {
			plan.Orphaned = append(plan.Orphaned, t.window[j])
		}
		for j := len(seen) - 1; j >= 0; j-- {
			plan.New = append(plan.New, seen[j])
		}
		t.window = t.window[:i+1]
		return plan, nil
	}
	oldest := t.window[0]
	return Plan{}, &chaintap.ReorgTooDeepError{Chain: t.chain, Head: head, Oldest: oldest.Number, OldestHash: oldest.Hash}
}
