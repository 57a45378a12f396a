package follow

import "time"

// BatchRule is when a batch of blocks closes while catching up (at the
// head each block is its own): at MaxBlocks blocks, at MaxBytes of block
// footprints (chaintap.Footprint, what the publisher prepared included),
// or Interval after its first block, whichever comes first; like Kafka
// Streams' commit interval, time is what sizes a transaction of small
// blocks, and bytes one of large blocks. The publish benchmark batches by
// the same rule.
type BatchRule struct {
	MaxBlocks int
	MaxBytes  int64
	Interval  time.Duration
}

// CatchUpRule is the rule a follower with c (defaults applied) uses: a
// batch may take a quarter of the memory budget, the rest being for the
// blocks fetched ahead and those published but not yet confirmed.
func (c Config) CatchUpRule() BatchRule {
	c.defaults()
	return BatchRule{MaxBlocks: c.MaxBatch, MaxBytes: c.MemoryBudget / 4, Interval: c.FlushInterval}
}

// Full reports whether a batch of blocks blocks, bytes bytes, open for
// open, closes.
func (r BatchRule) Full(blocks int, bytes int64, open time.Duration) bool {
	return blocks >= r.MaxBlocks || bytes >= r.MaxBytes || open >= r.Interval
}
