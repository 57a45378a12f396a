package gateway_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chaintap/chaintap/gateway"
)

// TestConcurrentRequestsFromManySenders: many requests submitted at once
// from several senders are each mined exactly once, every sender's nonces
// are contiguous from its pending nonce, and the chain holds exactly one
// transaction per request (GATEWAY_N requests per sender, default 100:
// 1,000 from 10 senders).
func TestConcurrentRequestsFromManySenders(t *testing.T) {
	perSender := 100
	if v, err := strconv.Atoi(os.Getenv("GATEWAY_N")); err == nil && v > 0 {
		perSender = v
	}
	e := newEnv(t, 100*time.Millisecond)
	g := e.run(e.cfg)
	ctx := context.Background()
	senders := len(e.chain.Keys())
	ids := make([][]string, senders)
	var wg sync.WaitGroup
	began := time.Now()
	for s := range senders {
		ids[s] = make([]string, perSender)
		for i := range perSender {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, err := g.svc.Submit(ctx, fmt.Sprintf("s%d-%d", s, i), transfer("s"+strconv.Itoa(s), 1+i))
				if err != nil {
					t.Errorf("submit s%d #%d: %v", s, i, err)
					return
				}
				ids[s][i] = st.ID
			}()
		}
	}
	wg.Wait()
	accepted := time.Since(began)
	if t.Failed() {
		t.FailNow()
	}
	for s := range senders {
		seen := map[uint64]bool{}
		hashes := map[string]bool{}
		for _, id := range ids[s] {
			st := g.wait(t, id, 2*time.Minute, gateway.StatusConfirmed)
			if seen[st.Nonce] {
				t.Fatalf("sender s%d: nonce %d assigned twice", s, st.Nonce)
			}
			seen[st.Nonce] = true
			hashes[st.TxHash] = true
		}
		for n := range uint64(perSender) {
			if !seen[n] {
				t.Fatalf("sender s%d: nonces not contiguous: %d missing", s, n)
			}
		}
		txs := e.onChain(e.addr(s))
		if len(txs) != perSender {
			t.Fatalf("sender s%d: %d transactions on chain, want %d", s, len(txs), perSender)
		}
		for _, tx := range txs {
			if !hashes[tx.Hash().Hex()] {
				t.Fatalf("sender s%d: transaction %s on chain is no request's", s, tx.Hash().Hex())
			}
		}
	}
	t.Logf("%d requests from %d senders: accepted in %v, all confirmed after %v", senders*perSender, senders, accepted, time.Since(began))
}
