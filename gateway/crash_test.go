package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chaintap/chaintap/gateway"
)

// TestCrashBetweenSigningAndSending: the gateway stops right after the
// signed transactions are persisted, before any is sent. After a restart
// each request is sent with the bytes signed before the crash and mined
// once.
func TestCrashBetweenSigningAndSending(t *testing.T) {
	crashTest(t, func(cfg *gateway.Config, armed <-chan struct{}, crashed *atomic.Bool) {
		cfg.Hooks = &gateway.Hooks{AfterSigned: func([]gateway.State) error {
			<-armed
			crashed.Store(true)
			return errCrash
		}}
	})
}

// TestCrashBetweenSendingAndRecording: the gateway stops right after the
// node took the transactions, before "sent" is persisted. After a restart
// it finds their hashes on the node and sends nothing new: each request is
// mined once.
func TestCrashBetweenSendingAndRecording(t *testing.T) {
	crashTest(t, func(cfg *gateway.Config, armed <-chan struct{}, crashed *atomic.Bool) {
		cfg.Hooks = &gateway.Hooks{AfterSent: func([]gateway.State) error {
			<-armed
			crashed.Store(true)
			return errCrash
		}}
	})
}

func crashTest(t *testing.T, hook func(*gateway.Config, <-chan struct{}, *atomic.Bool)) {
	const n = 20
	e := newEnv(t, 100*time.Millisecond)
	cfg := e.cfg
	cfg.Signers, cfg.Tokens = map[string]gateway.Signer{"s0": e.cfg.Signers["s0"]}, nil
	// The hook holds the gateway at its crash point until every request
	// is accepted, then crashes it.
	var crashed atomic.Bool
	armed := make(chan struct{})
	hook(&cfg, armed, &crashed)
	g := e.run(cfg)
	ctx := context.Background()
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := g.svc.Submit(ctx, fmt.Sprintf("crash-%d", i), transfer("s0", 100+i))
			if err != nil {
				t.Error(err)
			}
			ids[i] = st.ID
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	close(armed)
	select {
	case err := <-g.done:
		if !errors.Is(err, errCrash) {
			t.Fatalf("Run returned %v, want the crash", err)
		}
		g.done <- err
	case <-time.After(30 * time.Second):
		t.Fatal("the hook never crashed the gateway")
	}
	if !crashed.Load() {
		t.Fatal("no crash")
	}
	// What the crashed gateway had persisted: read back by a new one.
	before := map[string]string{}
	restarted := e.run(e.cfg)
	for _, id := range ids {
		st, err := waitLoaded(restarted.svc, id)
		if err != nil {
			t.Fatal(err)
		}
		before[id] = st.TxHash
	}
	// A second of mining: after the second crash the node has them; the
	// restarted gateway must not send new ones meanwhile.
	time.Sleep(300 * time.Millisecond)
	signedBefore := 0
	for _, id := range ids {
		st := restarted.wait(t, id, time.Minute, gateway.StatusConfirmed)
		if h := before[id]; h != "" {
			signedBefore++
			if st.TxHash != h {
				t.Fatalf("request %s: persisted as %s before the crash, mined as %s", id, h, st.TxHash)
			}
		}
	}
	if signedBefore == 0 {
		t.Fatal("nothing was signed before the crash: the test crashed too early")
	}
	txs := e.onChain(e.addr(0))
	if len(txs) != n {
		t.Fatalf("%d transactions on chain for %d requests", len(txs), n)
	}
	t.Logf("%d requests signed before the crash were mined with those bytes; %d transactions on chain", signedBefore, len(txs))
}

// waitLoaded waits for a restarted gateway to have loaded its state.
func waitLoaded(svc *gateway.Service, id string) (gateway.State, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, err := svc.Get(id)
		if err == nil || time.Now().After(deadline) {
			return st, err
		}
		time.Sleep(10 * time.Millisecond)
	}
}
