package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/gateway"
)

// TestDroppedTransactionIsResent: the node loses a pending transaction
// (the devchain cannot drop one from its pool on demand, so the gateway's
// send hook swallows the first send of nonce 3: the node never gets it,
// as after an eviction). Nonces 4… wait behind the gap; the gateway finds
// nonce 3 unknown to the node, sends the same signed bytes again, and
// every request is mined once.
func TestDroppedTransactionIsResent(t *testing.T) {
	e := newEnv(t, 100*time.Millisecond)
	cfg := e.cfg
	cfg.ResubmitAfter = time.Second
	var mu sync.Mutex
	dropped := 0
	cfg.Hooks = &gateway.Hooks{Send: func(ctx context.Context, st gateway.State, send func() error) error {
		mu.Lock()
		defer mu.Unlock()
		if st.Nonce == 3 && dropped == 0 {
			dropped++
			return nil // the node "had" it, then lost it
		}
		return send()
	}}
	g := e.run(cfg)
	ctx := context.Background()
	var ids []string
	for i := range 8 {
		st, err := g.svc.Submit(ctx, fmt.Sprintf("gap-%d", i), transfer("s4", 1+i))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, st.ID)
	}
	// Nonces 4…7 are in the pool, not mined: the gap holds them.
	time.Sleep(500 * time.Millisecond)
	if st, _ := g.svc.Get(ids[5]); st.Status != gateway.StatusSent {
		t.Fatalf("nonce 5 behind the gap is %s, want sent", st.Status)
	}
	for _, id := range ids {
		g.wait(t, id, time.Minute, gateway.StatusConfirmed)
	}
	if txs := e.onChain(e.addr(4)); len(txs) != 8 {
		t.Fatalf("%d transactions on chain for 8 requests", len(txs))
	}
	found := false
	for _, rc := range e.receipts() {
		if rc.Nonce == 3 && strings.Contains(rc.Note, "dropped by the node, resent") {
			found = true
		}
	}
	if !found {
		t.Fatal("no receipt record says nonce 3 was dropped and resent")
	}
}

// TestReorgedRequestIsReincluded: a reorg orphans the block that holds a
// request's transaction; the gateway sees it, the transaction ends up in
// the new chain (the node's pool re-includes it, or the gateway resends
// it), and <chain>.tx.receipts says so before the request is confirmed.
func TestReorgedRequestIsReincluded(t *testing.T) {
	e := newEnv(t, 0)
	cfg := e.cfg
	cfg.Confirmations = 4
	g := e.run(cfg)
	ctx := context.Background()
	st, err := g.svc.Submit(ctx, "reorg-me", transfer("s5", 7))
	if err != nil {
		t.Fatal(err)
	}
	g.wait(t, st.ID, 10*time.Second, gateway.StatusSent)
	e.chain.Commit()
	mined := g.wait(t, st.ID, 10*time.Second, gateway.StatusMined)
	e.chain.Commit()
	time.Sleep(200 * time.Millisecond)
	for attempt := 0; ; attempt++ {
		err := e.chain.Reorg(ctx, 2, 2)
		if err == nil {
			break
		}
		if !errors.Is(err, devchain.ErrBelowFinalized) || attempt > 5 {
			t.Fatal(err)
		}
		e.chain.Commit() // right above a finalized block: mine past it
		e.chain.Commit()
		mined = g.wait(t, st.ID, 10*time.Second, gateway.StatusMined)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		after, _ := g.svc.Get(st.ID)
		if after.Reorgs > 0 && after.Status == gateway.StatusConfirmed {
			if after.BlockHash == mined.BlockHash {
				t.Fatalf("confirmed in the orphaned block %s", mined.BlockHash)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the reorg: %+v", after)
		}
		e.chain.Commit()
		time.Sleep(100 * time.Millisecond)
	}
	var notes []string
	for _, rc := range e.receipts() {
		if rc.RequestID == st.ID && rc.Reorgs > 0 {
			notes = append(notes, rc.Note)
		}
	}
	if len(notes) == 0 || !strings.Contains(notes[0], "reorged") {
		t.Fatalf("receipt records after the reorg: %q", notes)
	}
	if txs := e.onChain(e.addr(5)); len(txs) != 1 {
		t.Fatalf("%d transactions on chain", len(txs))
	}
	t.Logf("receipts after the reorg: %q", notes)
}

// TestMinedRevertHasItsReason: a call sent with a fixed gas (so that
// estimation does not refuse it) reverts on chain; its receipt record
// carries the contract's reason, decoded.
func TestMinedRevertHasItsReason(t *testing.T) {
	e := newEnv(t, 100*time.Millisecond)
	g := e.run(e.cfg)
	battery := e.fleet.Batteries()[1].Hex()
	req := gateway.Request{From: "s1", Contract: "registry", Method: "lock", Args: rawArgs(`"` + battery + `"`), Gas: 100_000}
	st, err := g.svc.Submit(context.Background(), "lock-not-mine", req)
	if err != nil {
		t.Fatal(err)
	}
	st = g.wait(t, st.ID, time.Minute, gateway.StatusConfirmed)
	const want = "only the battery's owner can lock or unlock it"
	if st.Succeeded == nil || *st.Succeeded || st.RevertReason != want {
		t.Fatalf("state %+v; want a revert saying %q", st, want)
	}
	for _, rc := range e.receipts() {
		if rc.RequestID == st.ID && rc.Status == gateway.StatusMined && rc.RevertReason == want && rc.GasUsed > 0 {
			return
		}
	}
	t.Fatalf("no mined receipt record with the revert reason: %+v", e.receipts())
}

// TestStuckTransactionGetsBumpedFees: a transaction the node keeps but
// does not mine (its fee cap is below the base fee) is replaced after
// ResubmitAfter by one with fees bumped by more than 10 %, persisted
// before it is sent; that one is mined, once.
func TestStuckTransactionGetsBumpedFees(t *testing.T) {
	e := newEnv(t, 0)
	cfg := e.cfg
	cfg.ResubmitAfter = time.Second
	cfg.Hooks = &gateway.Hooks{Fees: func(tip, feeCap *big.Int) (*big.Int, *big.Int) {
		low := big.NewInt(1_000_000) // the pool's minimum tip, and far below the base fee
		return low, low
	}}
	g := e.run(cfg)
	st, err := g.svc.Submit(context.Background(), "stuck", transfer("s3", 3))
	if err != nil {
		t.Fatal(err)
	}
	g.wait(t, st.ID, 10*time.Second, gateway.StatusSent)
	e.chain.Commit() // the base fee is above the cap: not mined
	if now, _ := g.svc.Get(st.ID); now.Status != gateway.StatusSent {
		t.Fatalf("a transaction below the base fee: %s", now.Status)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		now, _ := g.svc.Get(st.ID)
		if len(now.Hashes) == 2 && now.Status == gateway.StatusSent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no replacement: %+v", now)
		}
		time.Sleep(50 * time.Millisecond)
	}
	e.seal(100 * time.Millisecond)
	done := g.wait(t, st.ID, time.Minute, gateway.StatusConfirmed)
	if done.TxHash != done.Hashes[1] || !strings.Contains(done.Note, "fees bumped") {
		t.Fatalf("mined %s (versions %v), note %q", done.TxHash, done.Hashes, done.Note)
	}
	if txs := e.onChain(e.addr(3)); len(txs) != 1 || txs[0].Hash().Hex() != done.Hashes[1] {
		t.Fatalf("on chain: %d transactions", len(txs))
	}
}

// TestRefusedTransactionFillsItsNonce: a transaction the node refuses for
// good (more value than the sender has, sent with a fixed gas so that
// estimation does not refuse it first) would leave a nonce gap that holds
// every later request; the gateway fills the nonce with an empty
// self-transfer, the request ends failed saying why, and the next request
// is mined.
func TestRefusedTransactionFillsItsNonce(t *testing.T) {
	e := newEnv(t, 100*time.Millisecond)
	g := e.run(e.cfg)
	ctx := context.Background()
	tooMuch := gateway.Request{From: "s6", To: "0x00000000000000000000000000000000000000aa", Value: "1" + strings.Repeat("0", 30), Gas: 21000}
	bad, err := g.svc.Submit(ctx, "too-much", tooMuch)
	if err != nil {
		t.Fatal(err)
	}
	next, err := g.svc.Submit(ctx, "after-too-much", transfer("s6", 1))
	if err != nil {
		t.Fatal(err)
	}
	failed := g.wait(t, bad.ID, time.Minute, gateway.StatusFailed)
	if !failed.Filler || !strings.Contains(failed.Error, "insufficient funds") || failed.BlockNumber == 0 {
		t.Fatalf("refused request: %+v", failed)
	}
	g.wait(t, next.ID, time.Minute, gateway.StatusConfirmed)
	txs := e.onChain(e.addr(6))
	if len(txs) != 2 || txs[0].To().Hex() != e.addr(6).Hex() || txs[0].Value().Sign() != 0 {
		t.Fatalf("on chain: %d transactions, the first to %v", len(txs), txs[0].To())
	}
	// Without a fixed gas the node refuses it at estimation: 422, nothing sent.
	tooMuch.Gas = 0
	if _, err := g.svc.Submit(ctx, "too-much-estimated", tooMuch); err == nil || !strings.Contains(err.Error(), "insufficient funds") {
		t.Fatalf("estimating a transfer of more than the balance: %v", err)
	}
}

// TestNonceTakenByAnotherTransaction: something else signs with a
// sender's key and its transaction takes the nonce the gateway assigned;
// the gateway does not claim it: the request ends failed, saying so.
func TestNonceTakenByAnotherTransaction(t *testing.T) {
	e := newEnv(t, 100*time.Millisecond)
	cfg := e.cfg
	cfg.Hooks = &gateway.Hooks{Send: func(ctx context.Context, st gateway.State, send func() error) error {
		if st.Request.Value == "5" {
			to := common.HexToAddress("0xee")
			tx := types.MustSignNewTx(e.chain.Keys()[5], types.LatestSignerForChainID(big.NewInt(devchain.ChainID)),
				&types.DynamicFeeTx{ChainID: big.NewInt(devchain.ChainID), Nonce: st.Nonce, GasTipCap: big.NewInt(1e12),
					GasFeeCap: big.NewInt(1e13), Gas: 21000, To: &to, Value: big.NewInt(1)})
			if err := e.chain.Client().SendTransaction(ctx, tx); err != nil {
				return err
			}
		}
		return send()
	}}
	g := e.run(cfg)
	st, err := g.svc.Submit(context.Background(), "taken", transfer("s5", 5))
	if err != nil {
		t.Fatal(err)
	}
	failed := g.wait(t, st.ID, time.Minute, gateway.StatusFailed)
	if !strings.Contains(failed.Error, "used by another transaction") {
		t.Fatalf("%+v", failed)
	}
}
