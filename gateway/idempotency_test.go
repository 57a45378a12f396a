package gateway_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chaintap/chaintap/gateway"
)

// TestSameKeyTwiceSendsOnce: one idempotency key, used by many callers at
// once, by REST and again after a restart with a different body, names one
// request and sends one transaction; every caller gets its state.
func TestSameKeyTwiceSendsOnce(t *testing.T) {
	e := newEnv(t, 100*time.Millisecond)
	g := e.run(e.cfg)
	ctx := context.Background()
	var wg sync.WaitGroup
	ids := make([]string, 20)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := g.svc.Submit(ctx, "pay-invoice-42", transfer("s2", 42))
			if err != nil {
				t.Error(err)
			}
			ids[i] = st.ID
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] {
			t.Fatalf("one key, two requests: %s and %s", ids[0], id)
		}
	}
	first := g.wait(t, ids[0], time.Minute, gateway.StatusConfirmed)

	// REST: a second POST with the key answers 200 with the first state.
	resp, body := post(t, g, "ops-secret-0123456789", "pay-invoice-42", `{"from":"s2","to":"0x00000000000000000000000000000000000000aa","value":"42"}`)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Idempotent-Replayed") != "true" || !strings.Contains(body, first.TxHash) {
		t.Fatalf("second POST: %d %s", resp.StatusCode, body)
	}

	// After a restart, even with another body, the key is the first request.
	g.stop()
	g2 := e.run(e.cfg)
	st, err := g2.svc.Submit(ctx, "pay-invoice-42", transfer("s2", 999))
	if err != nil || st.ID != first.ID || st.TxHash != first.TxHash || st.Value != "42" {
		t.Fatalf("after a restart: %+v, %v; want the first request %s", st, err, first.TxHash)
	}
	time.Sleep(500 * time.Millisecond)
	if txs := e.onChain(e.addr(2)); len(txs) != 1 {
		t.Fatalf("%d transactions on chain for one key", len(txs))
	}
}
