package btc

import (
	"context"
	"time"
)

// SubscribeHeads implements chaintap.BlockSource by polling getblockcount
// every PollInterval. Every poll is sent, even a repeated count: a new tip
// at the same height (a reorg of depth one) shows only when the follower
// compares hashes, which it does on each announcement.
func (s *Source) SubscribeHeads(ctx context.Context, heads chan<- uint64) error {
	tick := time.NewTicker(s.cfg.PollInterval)
	defer tick.Stop()
	for {
		n, err := s.HeadNumber(ctx)
		if err != nil {
			return err
		}
		select {
		case heads <- n:
		case <-ctx.Done():
			return ctx.Err()
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
