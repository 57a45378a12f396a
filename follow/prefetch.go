package follow

import (
	"context"
	"sync"

	"github.com/chaintap/chaintap"
)

// prefetcher fetches blocks from..to with bounded concurrency, within the
// run's memory budget, and hands them out strictly in order, so the
// follower publishes while the next blocks are already on their way.
type prefetcher struct {
	slots chan chan fetched
	// waiting is the slot next took from slots and did not read (its ctx
	// ended first): stop reads it.
	waiting chan fetched
	budget  *budget
	cancel  context.CancelFunc
	wg      sync.WaitGroup
}

type fetched struct {
	block chaintap.Block
	bytes int   // the block's footprint, counted in the budget
	held  int64 // what the budget counts for this fetch
	err   error
}

// startPrefetch fetches with at most concurrency requests in flight, at
// most lookahead blocks fetched but not yet taken, and no more bytes than
// bud has room for, so fetching goes on while the follower publishes a
// batch. prepare, if not nil, makes each fetched block ready to publish
// in its fetch worker, after the worker gave back its request slot: it is
// the publisher's work done ahead and in parallel, and the block it
// returns is the one handed out.
func startPrefetch(ctx context.Context, src chaintap.BlockSource, from, to uint64, concurrency, lookahead int, bud *budget, prepare func(chaintap.Block) chaintap.Block) *prefetcher {
	ctx, cancel := context.WithCancel(ctx)
	p := &prefetcher{slots: make(chan chan fetched, max(lookahead, concurrency)), budget: bud, cancel: cancel}
	sem := make(chan struct{}, concurrency)
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		defer close(p.slots)
		for n := from; n <= to; n++ {
			reserved, err := bud.reserve(ctx)
			if err != nil {
				return
			}
			slot := make(chan fetched, 1)
			if !p.dispatch(ctx, sem, slot) {
				bud.forgo(reserved)
				return
			}
			p.wg.Add(1)
			go func(n uint64) {
				defer p.wg.Done()
				slot <- p.fetch(ctx, src, n, sem, reserved, prepare)
			}(n)
		}
	}()
	return p
}

// dispatch takes a request slot and queues slot in order; false if ctx
// ended first.
func (p *prefetcher) dispatch(ctx context.Context, sem chan struct{}, slot chan fetched) bool {
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return false
	}
	select {
	case p.slots <- slot:
		return true
	case <-ctx.Done():
		<-sem
		return false
	}
}

// fetch fetches block n and settles its reservation.
func (p *prefetcher) fetch(ctx context.Context, src chaintap.BlockSource, n uint64, sem chan struct{}, reserved int64, prepare func(chaintap.Block) chaintap.Block) fetched {
	b, err := src.BlockByNumber(ctx, n)
	<-sem
	if err != nil {
		return fetched{err: err, held: reserved}
	}
	if prepare != nil {
		b = prepare(b)
	}
	size := chaintap.Footprint(b)
	p.budget.settle(reserved, size)
	return fetched{block: b, bytes: size, held: int64(size)}
}

// next returns the next block in order and its footprint; ok is false
// after the last one. The block's bytes stay counted in the budget: the
// caller gives them back when it lets go of the block. A failed fetch's
// reservation is given back here.
func (p *prefetcher) next(ctx context.Context) (b chaintap.Block, bytes int, ok bool, err error) {
	select {
	case slot, more := <-p.slots:
		if !more {
			return nil, 0, false, nil
		}
		p.waiting = slot
		select {
		case r := <-slot:
			p.waiting = nil
			if r.err != nil {
				p.budget.forgo(r.held)
				return nil, 0, true, r.err
			}
			p.budget.taken()
			return r.block, r.bytes, true, nil
		case <-ctx.Done():
			return nil, 0, false, ctx.Err()
		}
	case <-ctx.Done():
		return nil, 0, false, ctx.Err()
	}
}

// stop cancels outstanding fetches, waits for every goroutine and gives
// back the bytes of every block fetched and not taken.
func (p *prefetcher) stop() {
	p.cancel()
	if p.waiting != nil {
		p.budget.forgo((<-p.waiting).held)
	}
	for slot := range p.slots {
		p.budget.forgo((<-slot).held)
	}
	p.wg.Wait()
}
