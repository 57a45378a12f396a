package bench

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/chaintap/chaintap/devchain"
)

// Sizes of the mainnet-shaped benchmark chain: blocks of mainnet's size
// (≈200 transactions, 60 % ERC-20 transfers; about 0.6 MB of JSON
// answers with receipts), as many as build in well under two minutes.
const (
	MainnetBlocks      = 400
	MainnetTxsPerBlock = 200
	// mainnetAccounts spreads the senders, so that no account has more
	// than a few transactions in one block (geth's pool holds at most 16
	// executable ones per account before it caps them).
	mainnetAccounts = 200
)

// BuildMainnetChain starts a devchain serving JSON-RPC on addr and seals
// MainnetBlocks blocks (after the one that deploys the contracts) of
// MainnetTxsPerBlock transactions of devchain.MainnetTraffic's mix,
// always the same ones.
func BuildMainnetChain(ctx context.Context, addr string) (*devchain.Chain, error) {
	c, err := devchain.Start(devchain.Config{Addr: addr, Accounts: mainnetAccounts})
	if err != nil {
		return nil, err
	}
	traffic, err := devchain.NewMainnetTraffic(ctx, c)
	if err != nil {
		c.Close()
		return nil, err
	}
	rng := rand.New(rand.NewPCG(16, 1))
	for range MainnetBlocks {
		if err := traffic.Send(ctx, rng, MainnetTxsPerBlock); err != nil {
			c.Close()
			return nil, fmt.Errorf("mainnet-shaped chain: %w", err)
		}
		c.Commit()
	}
	return c, nil
}
