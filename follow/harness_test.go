package follow_test

import (
	"math/big"
	"strings"

	"context"
	"errors"
	"github.com/ethereum/go-ethereum/common"
	"sync"
	"testing"
	"time"

	"github.com/chaintap/chaintap/decode"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/evm"
	"github.com/chaintap/chaintap/follow"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/kafka"
)

const chainName = "sim"

// harness runs a follower from a simulated chain into an embedded broker.
type harness struct {
	t       *testing.T
	chain   *devchain.Chain
	traffic *devchain.Traffic
	kcfg    kafka.Config
	src     *evm.Source // what the follower reads (decoded by dec)
	direct  *evm.Source // in-process, fault-free: what the checks read
	dec     *decode.Decoder
	fcfg    follow.Config
	metrics *follow.Metrics

	// onStop, when set, is given the error of a follower that stopped on
	// its own while waitCaughtUp waits; it restarts the follower (true)
	// or lets the test fail (false).
	onStop func(error) bool

	mu       sync.Mutex
	progress follow.Progress
	cancel   context.CancelFunc
	done     chan error
	pub      *kafka.Publisher
}

// newHarness follows an in-process chain; served also serves the chain on
// a loopback port, for tests that put something between it and the
// follower (they replace h.src before start).
func newHarness(t *testing.T, fcfg follow.Config, served bool) *harness {
	h := &harness{t: t, kcfg: ingesttest.Broker(t), fcfg: fcfg, metrics: follow.NewMetrics(nil)}
	h.chain, h.traffic = ingesttest.Chain(t, served)
	h.direct = evm.New(h.chain.RPC(), evm.Config{Chain: chainName}, ingesttest.Logger(), nil)
	h.dec = ingesttest.Decoder(t)
	h.src = h.direct
	t.Cleanup(h.stop)
	return h
}

// start runs a follower in the background.
func (h *harness) start() {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pub, err := kafka.NewPublisher(ctx, h.kcfg, chainName, ingesttest.Logger(), nil)
	if err != nil {
		h.t.Fatal(err)
	}
	f := follow.New(h.fcfg, follow.Enriched(h.src, h.dec), pub, ingesttest.Logger(), h.metrics)
	f.OnProgress(func(p follow.Progress) {
		h.mu.Lock()
		h.progress = p
		h.mu.Unlock()
	})
	h.cancel, h.done, h.pub = cancel, make(chan error, 1), pub
	go func() { h.done <- f.Run(ctx) }()
}

// stop cancels the follower and waits for it; it fails the test if the
// follower stopped on its own with an error.
func (h *harness) stop() {
	if h.cancel == nil {
		return
	}
	h.cancel()
	if err := <-h.done; err != nil && !errors.Is(err, context.Canceled) {
		h.t.Errorf("follower: %v", err)
	}
	h.finish()
}

// finish releases a follower that has returned.
func (h *harness) finish() {
	h.cancel()
	h.pub.Close()
	h.cancel = nil
}

// stopped waits for the follower to stop on its own and returns its error.
func (h *harness) stopped() error {
	h.t.Helper()
	select {
	case err := <-h.done:
		h.finish()
		return err
	case <-time.After(60 * time.Second):
		h.t.Fatal("timed out waiting for the follower to stop")
		return nil
	}
}

func (h *harness) chainHead() uint64 {
	h.t.Helper()
	n, err := h.chain.Client().BlockNumber(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

// waitCaughtUp waits until the follower published the chain's head: the
// same block, not just the same height (after a reorg to a shorter or
// equally long chain, the old head has that height too).
func (h *harness) waitCaughtUp() {
	h.t.Helper()
	head, err := h.chain.Client().HeaderByNumber(context.Background(), nil)
	if err != nil {
		h.t.Fatal(err)
	}
	want := strings.ToLower(head.Hash().Hex())
	ingesttest.WaitFor(h.t, 60*time.Second, "the follower to reach block "+head.Number.String()+" "+want, func() bool {
		select {
		case err := <-h.done:
			h.finish()
			if h.onStop == nil || !h.onStop(err) {
				h.t.Fatalf("follower stopped: %v", err)
			}
			return false
		default:
		}
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.progress.HeadHash == want
	})
}

func (h *harness) confirmedHeight() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.progress.Confirmed
}

// check verifies guarantees 1 and 2 against the chain as it is now.
func (h *harness) check() {
	h.t.Helper()
	topics := kafka.TopicsFor("", chainName)
	ingesttest.CheckHeadView(h.t, h.kcfg, topics, follow.Enriched(h.direct, h.dec), 0, h.chainHead())
	ingesttest.CheckConfirmed(h.t, h.kcfg, topics, h.direct, 0, h.confirmedHeight())
	// The traffic makes token transfers: decoded records must be there, or
	// the checks above proved nothing about them.
	for _, entity := range []string{"events", "token_transfers"} {
		if len(ingesttest.Fold(h.t, h.kcfg, topics.Head(entity))) == 0 {
			h.t.Fatalf("no %s in the head view", entity)
		}
	}
}

// checkCorrected verifies guarantee 2 and a confirmed view corrected after
// confirmed reorgs: folded, it holds the canonical chain.
func (h *harness) checkCorrected() {
	h.t.Helper()
	topics := kafka.TopicsFor("", chainName)
	src := follow.Enriched(h.direct, h.dec)
	ingesttest.CheckHeadView(h.t, h.kcfg, topics, src, 0, h.chainHead())
	ingesttest.CheckConfirmedFolded(h.t, h.kcfg, topics, src, 0, h.confirmedHeight())
}

// checkAccepting verifies guarantee 2 and a confirmed view that kept the
// accepted orphans: every height once, in order, never retracted.
func (h *harness) checkAccepting(accepted map[string]bool) {
	h.t.Helper()
	topics := kafka.TopicsFor("", chainName)
	ingesttest.CheckHeadView(h.t, h.kcfg, topics, follow.Enriched(h.direct, h.dec), 0, h.chainHead())
	ingesttest.CheckConfirmedAccepting(h.t, h.kcfg, topics, h.direct, 0, h.confirmedHeight(), accepted)
}

func (h *harness) metricsReorgs() float64 { return h.metrics.Reorgs(chainName) }

func bigInt(n int64) *big.Int { return big.NewInt(n) }

func lowerHex(h common.Hash) string { return strings.ToLower(h.Hex()) }
