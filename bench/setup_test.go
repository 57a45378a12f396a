package bench

import (
	"context"
	"math/rand/v2"
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
