package follow_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/chaintap/chaintap/evm"
	"github.com/chaintap/chaintap/follow"
	"github.com/chaintap/chaintap/internal/ingesttest"
)

// TestConfirmingFetchesNothingAgain: a batch bigger than the header window
// (here 40 blocks over a 16-header window; in production, 100-block
// catch-up batches with 64 confirmations over the default 128 headers)
// confirms blocks that have left the window. They are the blocks just
// published, so the follower takes them from memory: each block is fetched
// once, never again one by one while a batch waits to be published.
func TestConfirmingFetchesNothingAgain(t *testing.T) {
	h := newHarness(t, follow.Config{Chain: chainName, Window: 16, MaxBatch: 40, Confirmations: 4, From: &zero, FlushInterval: time.Second}, false)
	m := evm.NewMetrics(nil)
	h.src = evm.New(h.chain.RPC(), evm.Config{Chain: chainName}, ingesttest.Logger(), m)
	rng := rand.New(rand.NewPCG(3, 3))
	for range 120 {
		if err := h.traffic.Send(context.Background(), rng, 2); err != nil {
			t.Fatal(err)
		}
		h.chain.Commit()
	}
	h.start()
	h.waitCaughtUp()
	h.check()
	head := h.chainHead()
	byNumber, byHash := m.Requests(chainName, "batch:eth_getBlockByNumber"), m.Requests(chainName, "batch:eth_getBlockByHash")
	if byNumber != float64(head+1) || byHash != 0 {
		t.Fatalf("fetched blocks 0–%d %v times by number and %v by hash; want each once, by number", head, byNumber, byHash)
	}
}
