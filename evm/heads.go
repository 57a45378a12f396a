package evm

import (
	"context"
	"errors"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
)

// SubscribeHeads implements chaintap.BlockSource: a newHeads subscription
// where the connection offers one (WebSocket, in-process), polling
// eth_blockNumber otherwise. A dropped subscription falls back to polling
// until it can be made again, so no head is waited for longer than one poll
// interval. Every notification is sent, even a repeated number: a new block
// at the same height is how a depth-1 reorg shows.
func (s *Source) SubscribeHeads(ctx context.Context, heads chan<- uint64) error {
	for ctx.Err() == nil {
		err := s.subscribe(ctx, heads)
		if errors.Is(err, rpc.ErrNotificationsUnsupported) {
			s.log.Info("node offers no subscriptions; polling for new heads", "chain", s.chain, "interval", s.cfg.PollInterval)
			return s.poll(ctx, heads, 0)
		}
		if ctx.Err() != nil {
			break
		}
		s.log.Warn("head subscription failed; polling until it is back", "chain", s.chain, "err", err)
		s.metrics.retries.WithLabelValues(s.chain, "subscription").Inc()
		if err := s.poll(ctx, heads, 10*s.cfg.PollInterval); err != nil {
			return err
		}
	}
	return ctx.Err()
}

func (s *Source) subscribe(ctx context.Context, heads chan<- uint64) error {
	ch := make(chan struct {
		Number hexutil.Uint64 `json:"number"`
	}, 64)
	sub, err := s.client.EthSubscribe(ctx, ch, "newHeads")
	if err != nil {
		return err
	}
	defer sub.Unsubscribe()
	// A safety net: nodes send no notification when their head goes back
	// (geth's debug_setHead, a fork choice to an older block), and a
	// notification can be lost on the way. Asking now and then costs one
	// call and bounds how long the follower can miss such a change.
	safety := time.NewTicker(5 * s.cfg.PollInterval)
	defer safety.Stop()
	for {
		var n uint64
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-sub.Err():
			if err == nil {
				err = errors.New("subscription closed")
			}
			return err
		case h := <-ch:
			n = uint64(h.Number)
		case <-safety.C:
			head, err := s.HeadNumber(ctx)
			if err != nil {
				return err
			}
			n = head
		}
		select {
		case heads <- n:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// poll sends the head number every poll interval, for d (0: until ctx is done).
func (s *Source) poll(ctx context.Context, heads chan<- uint64, d time.Duration) error {
	var deadline <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		deadline = t.C
	}
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
		case <-deadline:
			return nil
		case <-tick.C:
		}
	}
}
