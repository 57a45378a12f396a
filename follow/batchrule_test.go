package follow_test

import (
	"testing"
	"time"

	"github.com/chaintap/chaintap/follow"
)

// TestCatchUpRule: a batch closes at whichever bound it reaches first,
// blocks, a quarter of the memory budget, or the flush interval; the
// defaults make the block count only a ceiling.
func TestCatchUpRule(t *testing.T) {
	r := follow.Config{MemoryBudget: 64 << 20, FlushInterval: 200 * time.Millisecond}.CatchUpRule()
	if r.MaxBlocks != 1000 || r.MaxBytes != 16<<20 || r.Interval != 200*time.Millisecond {
		t.Fatalf("rule %+v, want 1000 blocks, 16 MiB, 200ms", r)
	}
	for _, c := range []struct {
		blocks int
		bytes  int64
		open   time.Duration
		full   bool
	}{
		{1, 1 << 10, 0, false},
		{999, 16<<20 - 1, 199 * time.Millisecond, false},
		{1000, 0, 0, true},
		{9, 16 << 20, 0, true}, // nine mainnet-shaped blocks
		{3, 1 << 10, 200 * time.Millisecond, true},
	} {
		if got := r.Full(c.blocks, c.bytes, c.open); got != c.full {
			t.Errorf("Full(%d blocks, %d bytes, %v) = %v, want %v", c.blocks, c.bytes, c.open, got, c.full)
		}
	}
}
