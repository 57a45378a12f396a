package devchain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"
)

// RunConfig drives the chain on its own: a block every Interval with a few
// transactions, and now and then a reorg so that reorg handling is visible.
type RunConfig struct {
	Interval time.Duration
	// TxsPerBlock is the most random transactions sent per block.
	TxsPerBlock int
	// ReorgEvery reorganises the chain after about this many blocks (0: never).
	ReorgEvery int
	// MaxReorgDepth bounds those reorgs (default 3).
	MaxReorgDepth int
	Seed          uint64
	// Fleet, when set, gets FleetTxsPerBlock rounds of battery traffic per block.
	Fleet            *Fleet
	FleetTxsPerBlock int
}

// Run produces blocks until ctx is done.
func (c *Chain) Run(ctx context.Context, cfg RunConfig, log *slog.Logger) error {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.MaxReorgDepth <= 0 {
		cfg.MaxReorgDepth = 3
	}
	traffic, err := NewTraffic(ctx, c)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	tick := time.NewTicker(cfg.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		if cfg.ReorgEvery > 0 && rng.IntN(cfg.ReorgEvery) == 0 {
			depth := 1 + rng.IntN(cfg.MaxReorgDepth)
			err := c.Reorg(ctx, depth, depth+1)
			switch {
			case errors.Is(err, ErrBelowFinalized):
				// Just after an epoch boundary only a few blocks are above
				// the finalized one; skip this reorg as a real chain would.
				log.Debug("devchain reorg skipped", "depth", depth, "err", err)
			case err != nil:
				log.Warn("devchain reorg failed", "depth", depth, "err", err)
			default:
				log.Info("devchain reorganised", "depth", depth)
			}
			traffic.ResetNonces()
			if cfg.Fleet != nil {
				cfg.Fleet.ResetNonces()
			}
			continue
		}
		if cfg.TxsPerBlock > 0 {
			if err := traffic.Send(ctx, rng, rng.IntN(cfg.TxsPerBlock+1)); err != nil {
				traffic.ResetNonces()
				log.Warn("devchain traffic", "err", err)
			}
		}
		if cfg.Fleet != nil && cfg.FleetTxsPerBlock > 0 {
			if err := cfg.Fleet.Step(ctx, rng, 1+rng.IntN(cfg.FleetTxsPerBlock)); err != nil {
				log.Warn("battery traffic", "err", err)
			}
		}
		c.Commit()
	}
}

// api is the devchain_* JSON-RPC namespace: devchain_reorg asks the chain
// to reorganise, from any JSON-RPC client (curl, cast rpc).
type api struct{ chain *Chain }

// Reorg orphans the newest depth blocks and seals depth+1 new ones.
func (a *api) Reorg(ctx context.Context, depth int) (string, error) {
	if depth < 1 || depth > 64 {
		return "", fmt.Errorf("depth %d: want 1..64", depth)
	}
	if err := a.chain.Reorg(ctx, depth, depth+1); err != nil {
		return "", err
	}
	h, err := a.chain.client.HeaderByNumber(ctx, nil)
	if err != nil {
		return "", err
	}
	return h.Hash().Hex(), nil
}
