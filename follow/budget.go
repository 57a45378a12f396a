package follow

import (
	"context"
	"sync"
)

// budget is a run's memory budget: the one count of the bytes (block
// footprints, chaintap.Footprint) of every block the run holds, from the
// start of its fetch until the run lets go of it: blocks being fetched
// (each reserves the footprint of the last block fetched), fetched and
// waiting, in the batch being built, published and kept until they are
// confirmed, fetched again to be confirmed.
//
// Only fetching ahead waits for room; everything else is counted as it
// happens, and the run keeps its own shares small (a batch closes at a
// quarter of the limit, the cache of unconfirmed blocks keeps at most
// half, blocks fetched again to confirm take at most a quarter per
// batch), so the count stays near the limit. A fetch always starts when
// nothing is fetched ahead, so a block larger than the whole budget still
// passes, and so does a block fetched again to be confirmed. The count
// exceeds the limit by at most two blocks (one fetched ahead, one fetched
// again), plus, when blocks suddenly grow, the growth of the blocks in
// flight over the recent size a fetch reserves.
type budget struct {
	limit int64

	mu   sync.Mutex
	used int64
	peak int64
	// last and before are the footprints of the two newest blocks
	// fetched ahead; a fetch reserves the smaller, so one outlier does
	// not make every later fetch reserve its size.
	last, before int64
	ahead        int // fetches reserved, in flight, or fetched and not taken
	room         chan struct{}
}

func newBudget(limit int64) *budget {
	return &budget{limit: limit, room: make(chan struct{})}
}

// reserve waits until a fetch ahead fits, or nothing is fetched ahead,
// and counts it with the footprint of the last block fetched. It returns
// what it reserved, for settle or cancel.
func (b *budget) reserve(ctx context.Context) (int64, error) {
	for {
		b.mu.Lock()
		// Until a block was fetched its size is unknown: one fetch at a
		// time.
		n := min(b.last, b.before)
		if b.ahead == 0 || (n > 0 && b.used+n <= b.limit) {
			b.ahead++
			b.add(n)
			b.mu.Unlock()
			return n, nil
		}
		room := b.room
		b.mu.Unlock()
		select {
		case <-room:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// settle replaces a fetch's reservation by the footprint of the block it
// fetched.
func (b *budget) settle(reserved int64, actual int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.before, b.last = b.last, int64(actual)
	if b.before == 0 {
		b.before = b.last // the first block
	}
	b.add(int64(actual) - reserved)
}

// taken says a fetched block left the fetching ahead (its bytes are still
// held, now by the batch); forgo says a fetch ahead ended without a
// block being taken, giving back n bytes.
func (b *budget) taken() { b.change(-1, 0) }
func (b *budget) forgo(n int64) {
	b.change(-1, -n)
}

// take counts n bytes the run holds now (a block fetched again); give
// gives n bytes back.
func (b *budget) take(n int) { b.change(0, int64(n)) }
func (b *budget) give(n int) { b.change(0, -int64(n)) }

func (b *budget) change(ahead int, n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ahead += ahead
	b.add(n)
}

// add changes the count (b.mu held) and wakes the fetches waiting for
// room when it shrinks or the fetching ahead does.
func (b *budget) add(n int64) {
	b.used += n
	b.peak = max(b.peak, b.used)
	if n <= 0 {
		close(b.room)
		b.room = make(chan struct{})
	}
}

// held returns the bytes counted now and the most counted at once.
func (b *budget) held() (used, peak int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, b.peak
}
