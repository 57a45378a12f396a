package btc

import (
	"context"
	"time"
)

// SubscribeHeads implements chaintap.BlockSource by polling getblockcount
// every PollInterval, and at once on each ZMQ hashblock notification when
// ZMQHashblock is set. Every poll is sent, even a repeated count: a new
// tip at the same height (a reorg of depth one) shows only when the
// follower compares hashes, which it does on each announcement.
//
// A notification only wakes the poll: the count comes from the RPC as
// always, so a lost notification, a garbled one or a dead ZMQ socket
// delays a block by at most PollInterval and never loses it.
func (s *Source) SubscribeHeads(ctx context.Context, heads chan<- uint64) error {
	tick := time.NewTicker(s.cfg.PollInterval)
	defer tick.Stop()
	var wake chan struct{} // nil without ZMQ: never ready
	if s.cfg.ZMQHashblock != "" {
		wake = make(chan struct{}, 1)
		sub := startHashblock(ctx, s.chain, s.cfg.ZMQHashblock, wake, s.log, s.metrics)
		defer sub.stop()
	}
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
		case <-wake:
			tick.Reset(s.cfg.PollInterval)
		}
	}
}
