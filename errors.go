package chaintap

import (
	"errors"
	"fmt"
)

// ErrNotFound means the node does not (yet) have the requested block.
var ErrNotFound = errors.New("not found")

// ErrInconsistent means a node's answers contradict each other (e.g. a
// block's receipts belong to another block); retrying may help.
var ErrInconsistent = errors.New("inconsistent answer")

// ErrMalformed means a node answered something that is not what the
// protocol says; retrying rarely helps.
var ErrMalformed = errors.New("malformed answer")

// ErrCannotRetract means a block must be retracted but what was published
// for it is no longer known; going on would leave its records behind.
var ErrCannotRetract = errors.New("cannot retract")

// ErrRefused means the chain refused a transaction (a contract's require
// failed); the error's text carries the contract's reason.
var ErrRefused = errors.New("refused by the contract")

// ErrInvalid means a request is malformed (an address that is not one, …).
var ErrInvalid = errors.New("invalid request")

// ErrFenced means another instance took over this chain's transactional ID.
var ErrFenced = errors.New("fenced by another instance")

// ReorgTooDeepError stops a follower when the chain reorganised below the
// oldest header it still remembers: continuing would diverge silently.
type ReorgTooDeepError struct {
	Chain      string
	Head       Header // the follower's head when the reorg was found
	Oldest     uint64 // the oldest block number in the window
	OldestHash string // and its hash, which the node no longer has there
}

func (e *ReorgTooDeepError) Error() string {
	return fmt.Sprintf("chain %s: reorg deeper than the window: no common ancestor with the node at or above block %d %s (follower head %d %s); raise reorg_window or re-follow from an older block",
		e.Chain, e.Oldest, e.OldestHash, e.Head.Number, e.Head.Hash)
}

// ConfirmedReorgError stops a follower (PolicyStop) when a reorg orphaned
// blocks already published to the confirmed view. When it is returned the
// head view has been corrected and Reorg written to <chain>.reorgs; the
// follower's cursor remembers the reorg, so every restart returns this
// error again until the follower is told how to go on: accept the reorg
// (keep the confirmed view as published) or correct it (PolicyCorrect).
type ConfirmedReorgError struct {
	Chain string
	Reorg Reorg
}

func (e *ConfirmedReorgError) Error() string {
	hit := e.Reorg.OrphanedConfirmed
	from, to := Header{}, Header{}
	if len(hit) > 0 {
		from, to = hit[len(hit)-1], hit[0]
	}
	return fmt.Sprintf("chain %s: a reorg of depth %d orphaned confirmed blocks %d %s … %d %s (confirmed up to %d; common ancestor %d %s; new block %d is %s)",
		e.Chain, e.Reorg.Depth, from.Number, from.Hash, to.Number, to.Hash, e.Reorg.ConfirmedUpTo,
		e.Reorg.CommonAncestor.Number, e.Reorg.CommonAncestor.Hash, e.Reorg.FirstOrphaned(), e.newHash())
}

// newHash is the node's hash at the first orphaned height, if known.
func (e *ConfirmedReorgError) newHash() string {
	for _, h := range e.Reorg.New {
		if h.Number == e.Reorg.FirstOrphaned() {
			return h.Hash
		}
	}
	return "unknown"
}
