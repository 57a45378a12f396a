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
	prepare := func(b chaintap.Block) {
		mu.Lock()
		defer mu.Unlock()
		prepared[b.Header().Number]++
	}
	ctx := context.Background()
	pf := startPrefetch(ctx, numberedSource{}, 10, 209, 8, 16, prepare)
	defer pf.stop()
	for want := uint64(10); want <= 209; want++ {
		b, ok, err := pf.next(ctx)
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
	if _, ok, _ := pf.next(ctx); ok {
		t.Fatal("a block after the last")
	}
}
