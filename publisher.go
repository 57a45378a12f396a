package chaintap

import "context"

// Origin says how a block reached the follower.
type Origin string

const (
	OriginLive     Origin = "live"
	OriginBackfill Origin = "backfill"
)

// Batch is one atomic step of a follower: everything in it becomes visible
// together, or nothing does.
type Batch struct {
	Chain string
	// Retract lists orphaned blocks, newest first; every record published
	// for them on the head view gets a retraction.
	Retract []Header
	// Apply lists new canonical blocks, oldest first, for the head view.
	Apply []Block
	// Confirm lists blocks that reached the confirmed height, oldest first.
	Confirm []Block
	// Reorgs lists the reorgs that caused Retract and Correct, for
	// <chain>.reorgs.
	Reorgs []Reorg
	// Correct lists confirmed blocks that a reorg orphaned, newest first:
	// their confirmed-view records are retracted, marked as a correction,
	// before Confirm publishes the canonical blocks.
	Correct []Correction
	// Origin is the origin of the blocks in Apply.
	Origin Origin
	// Cursor is the follower's position after this batch.
	Cursor Cursor
}

// Publisher writes batches atomically and keeps the cursor with them.
type Publisher interface {
	// LoadCursor returns the last committed cursor of chain, or nil when the
	// chain was never followed.
	LoadCursor(ctx context.Context, chain string) (*Cursor, error)
	// Publish writes b in one transaction.
	Publish(ctx context.Context, b Batch) error
}

// Preparer is implemented by publishers that can do a block's share of
// Publish's work (encoding its records) ahead of time: the follower calls
// Prepare from its fetch workers, in parallel, so that work overlaps the
// previous batch's commit. Prepare must be safe for concurrent use, and
// calling it is optional: Publish does whatever was not prepared.
//
// The prepared work lives in the block Prepare returns, not in the
// publisher, so whoever holds the blocks (the follower, within its memory
// budget) is the one owner of that memory: a prepared block dropped is
// memory freed. Release is optional too: it says the caller no longer
// holds a prepared block and every Publish that carried it has returned,
// so the publisher may reuse its buffers.
type Preparer interface {
	// Prepare returns b ready to publish: a block with b's header and
	// records carrying the encoded work, to be published (in either
	// view) in b's place. Its Footprint counts that work.
	Prepare(b Block) Block
	Release(b Block)
}
