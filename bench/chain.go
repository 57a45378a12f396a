package bench

import (
	"context"
	"math/rand/v2"

	"github.com/chaintap/chaintap/devchain"
)

// Sizes of the benchmark chain: enough blocks that start-up costs vanish,
// enough transactions that receipts and logs dominate as on a real chain.
const (
	Blocks      = 1200
	TxsPerBlock = 12
)

// BuildChain starts a devchain serving JSON-RPC on addr and seals Blocks
// blocks of TxsPerBlock random transactions each, always the same ones.
func BuildChain(ctx context.Context, addr string) (*devchain.Chain, error) {
	c, err := devchain.Start(devchain.Config{Addr: addr, Accounts: 20})
	if err != nil {
		return nil, err
	}
	traffic, err := devchain.NewTraffic(ctx, c)
	if err != nil {
		c.Close()
		return nil, err
	}
	rng := rand.New(rand.NewPCG(1, 1))
	for range Blocks {
		if err := traffic.Send(ctx, rng, TxsPerBlock); err != nil {
			c.Close()
			return nil, err
		}
		c.Commit()
	}
	return c, nil
}
