package follow

import (
	"context"
	"strconv"
	"sync"
	"testing"

	"github.com/chaintap/chaintap"
)

// numberedSource serves block n with hash "0x<n>"; only BlockByNumber is
// used by the prefetcher.
type numberedSource struct{ chaintap.BlockSource }

func (numberedSource) BlockByNumber(_ context.Context, n uint64) (chaintap.Block, error) {
	return &chaintap.EVMBlock{Number: n, Hash: "0x" + strconv.FormatUint(n, 10)}, nil
}

// TestPrefetchPreparesEveryBlockBeforeHandingItOut: the publisher's
// Prepare runs in the fetch workers, once per block, and a block is handed
// out only after it was prepared, still strictly in order.
func TestPrefetchPreparesEveryBlockBeforeHandingItOut(t *testing.T) {
	var mu sync.Mutex
	prepared := map[uint64]int{}
	prepare := func(b chaintap.Block) chaintap.Block {
		mu.Lock()
		defer mu.Unlock()
		prepared[b.Header().Number]++
		return b
	}
	ctx := context.Background()
	pf := startPrefetch(ctx, numberedSource{}, 10, 209, 8, 16, newBudget(1<<30), prepare)
	defer pf.stop()
	for want := uint64(10); want <= 209; want++ {
		b, _, ok, err := pf.next(ctx)
		if err != nil || !ok || b.Header().Number != want {
			t.Fatalf("next = %v, %v, %v; want block %d", b, ok, err, want)
		}
		mu.Lock()
		n := prepared[want]
		mu.Unlock()
		if n != 1 {
			t.Fatalf("block %d handed out after %d prepares, want 1", want, n)
		}
	}
	if _, _, ok, _ := pf.next(ctx); ok {
		t.Fatal("a block after the last")
	}
}

// sizedBlock is a block of a given footprint.
type sizedBlock struct {
	n     uint64
	bytes int
}

func (b sizedBlock) Header() chaintap.Header {
	return chaintap.Header{Number: b.n, Hash: "0x" + strconv.FormatUint(b.n, 10)}
}
func (sizedBlock) Records() []chaintap.Record { return nil }
func (b sizedBlock) Footprint() int           { return b.bytes }

// sizedSource serves sizedBlocks: block n weighs size(n).
type sizedSource struct {
	chaintap.BlockSource
	size func(n uint64) int
}

func (s sizedSource) BlockByNumber(_ context.Context, n uint64) (chaintap.Block, error) {
	return sizedBlock{n, s.size(n)}, nil
}

// TestPrefetchStaysWithinTheBudget: with a budget of ten blocks and a
// consumer that holds what it takes until it has taken four (a batch),
// the bytes counted never exceed the budget by more than one block,
// whatever the concurrency and lookahead allow; a block three times the
// budget still passes; and stop gives back every byte of what was not
// taken.
func TestPrefetchStaysWithinTheBudget(t *testing.T) {
	const unit = 1000
	huge := uint64(50)
	size := func(n uint64) int {
		if n == huge {
			return 30 * unit
		}
		return unit
	}
	bud := newBudget(10 * unit)
	ctx := context.Background()
	pf := startPrefetch(ctx, sizedSource{size: size}, 0, 99, 8, 64, bud, nil)
	var held []int
	for want := uint64(0); want < 80; want++ {
		b, bytes, ok, err := pf.next(ctx)
		if err != nil || !ok || b.Header().Number != want || bytes != size(want) {
			t.Fatalf("next = %v, %d, %v, %v; want block %d", b, bytes, ok, err, want)
		}
		held = append(held, bytes)
		if len(held) == 4 {
			for _, n := range held {
				bud.give(n)
			}
			held = nil
		}
		if _, peak := bud.held(); want == 35 && peak > bud.limit {
			t.Fatalf("before the huge block the budget counted up to %d bytes, limit %d", peak, bud.limit)
		}
		if used, _ := bud.held(); used > bud.limit+30*unit {
			t.Fatalf("after block %d the budget counts %d bytes, limit %d", want, used, bud.limit)
		}
	}
	pf.stop()
	used, peak := bud.held()
	for _, n := range held {
		used -= int64(n)
	}
	if used != 0 {
		t.Fatalf("after stop the budget still counts %d bytes not held by anyone", used)
	}
	// The peak: ten blocks of budget, the huge one on top of what was
	// held when it was reserved at the size of one.
	if peak > bud.limit+30*unit {
		t.Fatalf("peak %d bytes, over the limit %d by more than the huge block", peak, bud.limit)
	}
	t.Logf("peak %d bytes with a limit of %d", peak, bud.limit)
}
