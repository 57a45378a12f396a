package chaintap

import "context"

// BlockSource is a chain node as the follower sees it. Implementations retry
// transient failures themselves (with backoff) and return an error only when
// retrying cannot help or ctx is done.
type BlockSource interface {
	// HeadNumber returns the number of the node's latest block.
	HeadNumber(ctx context.Context) (uint64, error)
	// TagNumber returns the number of the block the node labels with tag
	// ("finalized" or "safe").
	TagNumber(ctx context.Context, tag string) (uint64, error)
	// HeaderByNumber returns the canonical header at number.
	HeaderByNumber(ctx context.Context, number uint64) (Header, error)
	// BlockByNumber returns the canonical block at number, with its
	// transactions, receipts and logs.
	BlockByNumber(ctx context.Context, number uint64) (Block, error)
	// BlockByHash returns the block with that hash, canonical or not.
	BlockByHash(ctx context.Context, hash string) (Block, error)
	// SubscribeHeads sends the number of every new head to heads until ctx
	// is done. It falls back to polling when the node offers no
	// subscriptions; it returns only when ctx is done or on a fatal error.
	SubscribeHeads(ctx context.Context, heads chan<- uint64) error
}
