package seal

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// anchorQueue runs OnCheckpoint (anchoring on a chain, say) for committed
// checkpoints in a goroutine of its own, so that a slow or stalled chain
// never stalls sealing. It holds at most one waiting checkpoint per
// partition, the newest: a later checkpoint covers everything an earlier
// one of its partition did, and verify --anchor compares with the largest
// tree head anchored. So it is bounded by the number of partitions, and a
// partition's latest checkpoint is never dropped for another's. The sealer
// owns it: startAnchoring starts it, add is called from the sealing
// goroutine, close drains it and waits for it.
type anchorQueue struct {
	fn     func(context.Context, Checkpoint) error
	log    *slog.Logger
	wake   chan struct{} // buffered 1: something was added, or closed
	done   chan struct{}
	cancel context.CancelFunc

	mu      sync.Mutex
	waiting map[string]Checkpoint // by origin
	order   []string              // origins waiting, oldest first
	closed  bool
}

// startAnchoring starts the queue's goroutine. It outlives ctx's
// cancellation (a stop's last checkpoints are still anchored, see close)
// but keeps its values.
func startAnchoring(ctx context.Context, fn func(context.Context, Checkpoint) error, log *slog.Logger) *anchorQueue {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	q := &anchorQueue{fn: fn, log: log, wake: make(chan struct{}, 1), done: make(chan struct{}), cancel: cancel,
		waiting: map[string]Checkpoint{}}
	go q.run(ctx)
	return q
}

// add queues c in place of any checkpoint of its partition still waiting.
func (q *anchorQueue) add(c Checkpoint) {
	key := Origin(c.Topic, c.Partition)
	q.mu.Lock()
	if old, ok := q.waiting[key]; ok {
		q.log.Debug("checkpoint superseded before it was anchored", "topic", c.Topic, "partition", c.Partition, "size", old.Size, "by", c.Size)
	} else {
		q.order = append(q.order, key)
	}
	q.waiting[key] = c
	q.mu.Unlock()
	q.signal()
}

func (q *anchorQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take returns the oldest waiting checkpoint; ok is false when none
// waits, closed when none ever will.
func (q *anchorQueue) take() (c Checkpoint, ok, closed bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.order) == 0 {
		return c, false, q.closed
	}
	key := q.order[0]
	q.order = q.order[1:]
	c = q.waiting[key]
	delete(q.waiting, key)
	return c, true, false
}

func (q *anchorQueue) run(ctx context.Context) {
	defer close(q.done)
	for {
		c, ok, closed := q.take()
		switch {
		case closed:
			return
		case !ok:
			<-q.wake
		case ctx.Err() != nil:
			q.log.Warn("checkpoint not anchored: the sealer stopped first", "topic", c.Topic, "partition", c.Partition, "size", c.Size)
		default:
			q.anchor(ctx, c)
		}
	}
}

func (q *anchorQueue) anchor(ctx context.Context, c Checkpoint) {
	ctx, cancel := context.WithTimeout(ctx, txnDeadline)
	defer cancel()
	if err := q.fn(ctx, c); err != nil {
		q.log.Warn("after a checkpoint", "topic", c.Topic, "partition", c.Partition, "size", c.Size, "err", err)
	}
}

// close takes no more checkpoints, lets those waiting be anchored for up
// to wait, then cancels the rest and waits for the goroutine to end.
func (q *anchorQueue) close(wait time.Duration) {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-q.done:
	case <-t.C:
		q.cancel()
		<-q.done
	}
	q.cancel()
}
