package follow

import (
	"slices"

	"github.com/chaintap/chaintap"
)

// unconfirmed is the one cache of the run's blocks between their fetch and
// their confirmation: the batch being built and the published blocks not
// yet confirmed, one per height (a reorg takes its orphans out), each as
// the publisher prepared it. The publisher keeps no copy; what this cache
// drops is freed (and its buffers released to the publisher for reuse).
// Below the tracker's window a cached block is canonical (a reorg that
// deep stops the follower), so confirming a cached block never fetches
// it again.
//
// It holds at most half the memory budget after a commit, dropping the
// newest blocks beyond that: they are fetched again when they are
// confirmed, which costs a fetch, not memory.
type unconfirmed struct {
	budget  *budget
	release func(chaintap.Block) // the publisher's, or nil
	blocks  map[uint64]heldBlock
	bytes   int
}

// heldBlock is a block with the footprint the budget counts for it.
type heldBlock struct {
	block chaintap.Block
	bytes int
}

func newUnconfirmed(bud *budget, release func(chaintap.Block)) *unconfirmed {
	return &unconfirmed{budget: bud, release: release, blocks: map[uint64]heldBlock{}}
}

// add keeps b, whose bytes the budget already counts (it was fetched
// ahead), in place of any block at its height.
func (c *unconfirmed) add(b chaintap.Block, bytes int) {
	n := b.Header().Number
	c.drop(n)
	c.blocks[n] = heldBlock{b, bytes}
	c.bytes += bytes
}

// get returns the block kept at n.
func (c *unconfirmed) get(n uint64) (chaintap.Block, bool) {
	h, ok := c.blocks[n]
	return h.block, ok
}

// drop lets go of the block at n. Every block kept was published in a
// committed batch by the time anything is dropped (the run drops only
// after a commit, or on a reorg found between batches), so its buffers
// may be reused.
func (c *unconfirmed) drop(n uint64) {
	h, ok := c.blocks[n]
	if !ok {
		return
	}
	delete(c.blocks, n)
	c.bytes -= h.bytes
	c.budget.give(h.bytes)
	if c.release != nil {
		c.release(h.block)
	}
}

// committed drops what a commit made useless (blocks at or below the
// confirmed height, when it is set) and then the newest blocks while the
// cache holds more than half the budget.
func (c *unconfirmed) committed(confirmed uint64, confSet bool) {
	heights := make([]uint64, 0, len(c.blocks))
	for n := range c.blocks {
		if confSet && n <= confirmed {
			c.drop(n)
			continue
		}
		heights = append(heights, n)
	}
	slices.Sort(heights)
	for i := len(heights) - 1; i >= 0 && int64(c.bytes) > c.budget.limit/2; i-- {
		c.drop(heights[i])
	}
}
