package bench

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/chaintap/chaintap/devchain"
)

// Sizes of the benchmark chain: enough blocks that start-up costs vanish,
// enough transactions that receipts and logs dominate as on a real chain.
const (
	benchBlocks      = 1200
	benchTxsPerBlock = 12
)

var benchChain = sync.OnceValues(func() (*devchain.Chain, error) {
	ctx := context.Background()
	c, err := devchain.Start(devchain.Config{Addr: "127.0.0.1:0", Accounts: 20})
	if err != nil {
		return nil, err
	}
	traffic, err := devchain.NewTraffic(ctx, c)
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for range benchBlocks {
		if err := traffic.Send(ctx, rng, benchTxsPerBlock); err != nil {
			return nil, err
		}
		c.Commit()
	}
	return c, nil
})

func chainForBench(b *testing.B) *devchain.Chain {
	b.Helper()
	c, err := benchChain()
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// sideBySide runs the two sides of one pair. The order alternates from
// pair to pair, and each side starts on a collected heap, so neither side
// pays for the other's garbage or always runs on a warmer (or more
// fragmented) process.
func sideBySide(pair int, raw, ours func()) {
	first, second := raw, ours
	if pair%2 == 1 {
		first, second = ours, raw
	}
	runtime.GC()
	first()
	runtime.GC()
	second()
}
