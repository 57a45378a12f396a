package follow_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/rpc"

	"github.com/chaintap/chaintap/evm"
	"github.com/chaintap/chaintap/internal/faultproxy"
	"github.com/chaintap/chaintap/internal/ingesttest"
)

// TestFaultyNode follows a chain through a proxy that drops connections,
// answers 429 and 500, answers slowly, answers garbage and lags ("not
// found") — while the chain grows and reorganises. Nothing may be lost or
// duplicated, and the source's metrics must show the retries.
func TestFaultyNode(t *testing.T) {
	ctx := context.Background()
	h := newHarness(t, reorgConfig(), true)
	proxy := faultproxy.Start(h.chain.HTTPURL(), faultproxy.Config{
		Drop: 0.04, Status429: 0.04, Status500: 0.04, Slow: 0.03, NotFound: 0.08, Garbage: 0.05,
		SlowFor: 100 * time.Millisecond, Seed: 7,
	})
	defer proxy.Close()
	client, err := rpc.DialContext(ctx, proxy.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	metrics := evm.NewMetrics(nil)
	h.src = evm.New(client, evm.Config{
		Chain: chainName, PollInterval: 20 * time.Millisecond, BatchSize: 3,
		Retry: evm.RetryPolicy{Initial: 2 * time.Millisecond, Max: 40 * time.Millisecond, NotFound: 40, Wrong: 6},
	}, ingesttest.Logger(), metrics)
	h.start()

	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 120 {
		if err := h.traffic.Send(ctx, rng, rng.IntN(6)); err != nil {
			t.Fatal(err)
		}
		h.chain.Commit()
		if i%25 == 24 {
			if err := h.chain.Reorg(ctx, 1+rng.IntN(4), 5); err != nil {
				t.Fatal(err)
			}
			h.traffic.ResetNonces()
		}
		time.Sleep(5 * time.Millisecond)
	}
	h.waitCaughtUp()
	h.check()
	for _, kind := range []string{faultproxy.Drop, faultproxy.Status429, faultproxy.Status500, faultproxy.Slow, faultproxy.NotFound, faultproxy.Garbage} {
		if proxy.Injected(kind) == 0 {
			t.Errorf("the proxy never injected %s", kind)
		}
	}
	for _, reason := range []string{"network", "http_429", "http_5xx", "not_found", "malformed"} {
		if metrics.Retries(chainName, reason) == 0 {
			t.Errorf("no %s retry counted", reason)
		}
	}
	t.Logf("retries: %v in total; faults injected: drop %d, 429 %d, 500 %d, slow %d, not found %d, garbage %d",
		metrics.RetriesTotal(chainName), proxy.Injected(faultproxy.Drop), proxy.Injected(faultproxy.Status429),
		proxy.Injected(faultproxy.Status500), proxy.Injected(faultproxy.Slow), proxy.Injected(faultproxy.NotFound), proxy.Injected(faultproxy.Garbage))
}
