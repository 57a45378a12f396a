package follow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap"
)

// DefaultMemoryBudget is the default Config.MemoryBudget. With Go's
// garbage collector at its default (the heap grows to about twice what is
// live before a collection), a follower of mainnet-shaped blocks (≈ 0.6
// MB of answers each) stays under 300 MB resident with it: 266–293 MB
// over 20,000 blocks (bench BackfillRSS, CHAINTAP_RSS_BUDGET), against
// 405–446 MB with 128 MiB, at the same speed (158 against 148 blocks/s).
// Small blocks reach it only with a large lookahead (2 × MaxBatch).
const DefaultMemoryBudget = 64 << 20

// Config configures a Follower.
type Config struct {
	Chain string
	// Window is how many recent headers are kept to resolve reorgs; a
	// deeper reorg stops the follower with a *chaintap.ReorgTooDeepError.
	Window int
	// Confirmations: a block is confirmed when this many blocks are on top
	// of it. Ignored when ConfirmTag is set.
	Confirmations uint64
	// ConfirmTag ("finalized" or "safe") takes the confirmed height from the
	// node's block tag instead of counting confirmations.
	ConfirmTag string
	// From is the first block to publish when the chain has no cursor;
	// nil starts at the node's head.
	From *uint64
	// Concurrency is the number of blocks fetched in parallel.
	Concurrency int
	// MaxBatch bounds the blocks in one Kafka transaction when catching up
	// (default 1000): a ceiling, as a quarter of MemoryBudget and
	// FlushInterval close a batch first (see CatchUpRule). At 100, the
	// small chain's 100-block transactions held the publish ratio at
	// 0.51–0.58 (0.68–0.83 now) and end to end cost 0.80 CPU-s per 1,000
	// blocks against 0.66, at the same rate (PinnedBackfill/small, 5 pairs:
	// 0.89 and 0.90 of the node's limit).
	MaxBatch int
	// FlushInterval bounds how long fetched blocks wait for more to join
	// their transaction when catching up.
	FlushInterval time.Duration
	// MemoryBudget bounds the bytes of the blocks the follower holds
	// (fetched ahead, in the batch, published and not yet confirmed),
	// counted by their footprints (chaintap.Footprint), which include
	// what the publisher prepared. One block larger than the budget still
	// passes. Default DefaultMemoryBudget.
	MemoryBudget int64
	// OnConfirmedReorg is what to do when a reorg (within Window) orphans
	// blocks already published to the confirmed view: PolicyStop (the
	// default) or PolicyCorrect. The head view is corrected either way.
	OnConfirmedReorg chaintap.ConfirmedReorgPolicy
	// AcceptReorg, when set, accepts the confirmed reorg the follower
	// stopped on if its first orphaned block is at this height: the
	// confirmed view keeps the orphaned blocks as published and goes on
	// after them. It overrides OnConfirmedReorg for that reorg only.
	AcceptReorg *uint64
	// RestartBackoff is the pause before resuming from the cursor after an
	// error that retrying can fix (a broker outage, say).
	RestartBackoff time.Duration
}

func (c *Config) defaults() {
	if c.Window <= 0 {
		c.Window = 128
	}
	if c.Concurrency <= 0 {
		c.Concurrency = 8
	}
	if c.MaxBatch <= 0 {
		c.MaxBatch = 1000
	}
	if c.MemoryBudget <= 0 {
		c.MemoryBudget = DefaultMemoryBudget
	}
	if c.FlushInterval <= 0 {
		c.FlushInterval = 200 * time.Millisecond
	}
	if c.RestartBackoff <= 0 {
		c.RestartBackoff = time.Second
	}
	if c.OnConfirmedReorg == "" {
		c.OnConfirmedReorg = chaintap.PolicyStop
	}
}

// Progress is reported after every committed batch.
type Progress struct {
	Head      uint64 // newest block published
	HeadHash  string
	Target    uint64 // newest block the node announced
	Confirmed uint64
	Applied   int // blocks applied by this batch
	Retracted int // blocks retracted by this batch
	// MemoryHeld is the bytes of blocks the follower held after the
	// commit; MemoryPeak the most it held at once in this run (since the
	// cursor was last loaded). Both count footprints (Config.MemoryBudget).
	MemoryHeld, MemoryPeak int64
}

// Follower follows one chain from a BlockSource into a Publisher: the
// canonical-chain tracker decides, the publisher writes each step and the
// cursor atomically.
type Follower struct {
	cfg        Config
	src        chaintap.BlockSource
	pub        chaintap.Publisher
	log        *slog.Logger
	metrics    *Metrics
	onProgress func(Progress)
}

// New returns a follower; m may be nil.
func New(cfg Config, src chaintap.BlockSource, pub chaintap.Publisher, log *slog.Logger, m *Metrics) *Follower {
	cfg.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	return &Follower{cfg: cfg, src: src, pub: pub, log: log.With("chain", cfg.Chain), metrics: m}
}

// OnProgress sets a function called after every committed batch.
func (f *Follower) OnProgress(fn func(Progress)) { f.onProgress = fn }

// Fatal reports whether err must stop a follower rather than make it resume
// from its cursor: retrying cannot fix it, and going on could diverge.
func Fatal(err error) bool {
	var deep *chaintap.ReorgTooDeepError
	var confirmed *chaintap.ConfirmedReorgError
	return errors.As(err, &deep) || errors.As(err, &confirmed) || errors.Is(err, chaintap.ErrFenced) ||
		errors.Is(err, chaintap.ErrMalformed) || errors.Is(err, chaintap.ErrInconsistent) ||
		errors.Is(err, chaintap.ErrCannotRetract)
}

// Run follows the chain until ctx is done or a fatal error. After any other
// error it resumes from the committed cursor, so nothing is lost or repeated.
func (f *Follower) Run(ctx context.Context) error {
	for {
		err := f.runOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if Fatal(err) {
			return fmt.Errorf("following %s: %w", f.cfg.Chain, err)
		}
		f.metrics.restarts.WithLabelValues(f.cfg.Chain).Inc()
		f.log.Warn("follower failed; resuming from the cursor", "err", err, "after", f.cfg.RestartBackoff)
		t := time.NewTimer(f.cfg.RestartBackoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

func (f *Follower) runOnce(ctx context.Context) error {
	cur, err := f.pub.LoadCursor(ctx, f.cfg.Chain)
	if err != nil {
		return err
	}
	heads := make(chan uint64, 64)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return f.src.SubscribeHeads(gctx, heads) })
	g.Go(func() error {
		r, err := f.newRun(gctx, cur)
		if err != nil {
			return err
		}
		return r.loop(gctx, heads)
	})
	return g.Wait()
}
