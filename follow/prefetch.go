package follow

import (
	"context"
	"sync"

	"github.com/chaintap/chaintap"
)

// prefetcher fetches blocks from..to with bounded concurrency and hands
// them out strictly in order, so the follower publishes while the next
// blocks are already on their way.
type prefetcher struct {
	slots  chan chan fetched
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type fetched struct {
	block chaintap.Block
	err   error
}

// startPrefetch fetches with at most concurrency requests in flight and at
// most lookahead blocks fetched but not yet taken, so fetching goes on
// while the follower publishes a batch. prepare, if not nil, is called on
// each fetched block in its fetch worker, after the worker gave back its
// request slot: it is the publisher's work done ahead and in parallel.
func startPrefetch(ctx context.Context, src chaintap.BlockSource, from, to uint64, concurrency, lookahead int, prepare func(chaintap.Block)) *prefetcher {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetcher{slots: make(chan chan fetched, max(lookahead, concurrency)), cancel: cancel}
	sem := make(chan struct{}, concurrency)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(p.slots)
		for n := from; n <= to; n++ {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			slot := make(chan fetched, 1)
			select {
			case p.slots <- slot:
			case <-ctx.Done():
				<-sem
				return
			}
			p.wg.Add(1)
			go func(n uint64) {
				defer p.wg.Done()
				b, err := src.BlockByNumber(ctx, n)
				<-sem
				if err == nil && prepare != nil {
					prepare(b)
				}
				slot <- fetched{b, err}
			}(n)
		}
	}()
	return p
}

// next returns the next block in order; ok is false after the last one.
func (p *prefetcher) next(ctx context.Context) (b chaintap.Block, ok bool, err error) {
	select {
	case slot, more := <-p.slots:
		if !more {
			return nil, false, nil
		}
		select {
		case r := <-slot:
			return r.block, true, r.err
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	case <-ctx.Done():
		return nil, false, ctx.Err()
	}
}

// stop cancels outstanding fetches and waits for every goroutine.
func (p *prefetcher) stop() {
	p.cancel()
	for range p.slots { //nolint:revive // drain so the dispatcher can exit
	}
	p.wg.Wait()
}
