package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/chaintap/chaintap/contracts"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/gateway"
)

// TestBackpressure: at most MaxInFlight transactions of a sender are on
// the node unmined; the rest wait accepted, and when MaxQueued wait, REST
// answers 429 with Retry-After. Every accepted request is mined once the
// chain moves.
func TestBackpressure(t *testing.T) {
	e := newEnv(t, 0) // no blocks until the test seals them
	cfg := e.cfg
	cfg.MaxInFlight, cfg.MaxQueued = 2, 3
	g := e.run(cfg)
	var accepted []string
	busy := false
	for i := 0; i < 20 && !busy; i++ {
		resp, body := post(t, g, "ops-secret-0123456789", fmt.Sprintf("bp-%d", i), `{"from":"s8","to":"0x00000000000000000000000000000000000000dd","value":"1"}`)
		switch resp.StatusCode {
		case http.StatusAccepted:
			var st gateway.State
			_ = json.Unmarshal([]byte(body), &st)
			accepted = append(accepted, st.ID)
			time.Sleep(100 * time.Millisecond) // let the sender sign what fits
		case http.StatusTooManyRequests:
			if resp.Header.Get("Retry-After") == "" {
				t.Fatalf("429 without Retry-After: %s", body)
			}
			busy = true
		default:
			t.Fatalf("POST: %d %s", resp.StatusCode, body)
		}
	}
	if !busy || len(accepted) != cfg.MaxInFlight+cfg.MaxQueued {
		t.Fatalf("%d accepted before a 429 (busy %v), want %d in flight + %d queued", len(accepted), busy, cfg.MaxInFlight, cfg.MaxQueued)
	}
	pending, err := e.chain.Client().PendingNonceAt(context.Background(), e.addr(8))
	if err != nil || pending != uint64(cfg.MaxInFlight) {
		t.Fatalf("the node has %d transactions of s8 (%v), want the in-flight limit %d", pending, err, cfg.MaxInFlight)
	}
	if q, f := gauge(t, g, "chaintap_gateway_queued_requests", "s8"), gauge(t, g, "chaintap_gateway_in_flight_transactions", "s8"); q != 3 || f != 2 {
		t.Fatalf("gauges: %v queued, %v in flight; want 3 and 2", q, f)
	}
	e.seal(100 * time.Millisecond)
	for _, id := range accepted {
		g.wait(t, id, time.Minute, gateway.StatusConfirmed)
	}
	if txs := e.onChain(e.addr(8)); len(txs) != len(accepted) {
		t.Fatalf("%d transactions on chain for %d requests", len(txs), len(accepted))
	}
}

// TestDeployment: a request with bytecode deploys a contract; its state
// and receipt record carry the contract's address.
func TestDeployment(t *testing.T) {
	e := newEnv(t, 100*time.Millisecond)
	g := e.run(e.cfg)
	st, err := g.svc.Submit(context.Background(), "deploy-1", gateway.Request{From: "s9", Bytecode: contracts.BatteryRegistryMetaData.Bin})
	if err != nil {
		t.Fatal(err)
	}
	st = g.wait(t, st.ID, time.Minute, gateway.StatusConfirmed)
	if st.ContractAddress == "" || st.Succeeded == nil || !*st.Succeeded {
		t.Fatalf("deployment: %+v", st)
	}
	code, err := e.chain.Client().CodeAt(context.Background(), common.HexToAddress(st.ContractAddress), nil)
	if err != nil || len(code) == 0 {
		t.Fatalf("no code at %s: %v", st.ContractAddress, err)
	}
}

// TestStartReconcilesWithTheNode: a key that signed outside the gateway
// before it started (the node's pending nonce is ahead of the gateway's
// state) gets nonces from the node's, not from 0.
func TestStartReconcilesWithTheNode(t *testing.T) {
	e := newEnv(t, 100*time.Millisecond)
	ctx := context.Background()
	signer := types.LatestSignerForChainID(big.NewInt(devchain.ChainID))
	to := common.HexToAddress("0xee")
	for n := range uint64(3) {
		tx := types.MustSignNewTx(e.chain.Keys()[7], signer, &types.DynamicFeeTx{ChainID: big.NewInt(devchain.ChainID), Nonce: n,
			GasTipCap: big.NewInt(1e9), GasFeeCap: big.NewInt(1e11), Gas: 21000, To: &to, Value: big.NewInt(1)})
		if err := e.chain.Client().SendTransaction(ctx, tx); err != nil {
			t.Fatal(err)
		}
	}
	g := e.run(e.cfg)
	st, err := g.svc.Submit(ctx, "after-outside", transfer("s7", 1))
	if err != nil {
		t.Fatal(err)
	}
	if st.Nonce != 3 {
		t.Fatalf("nonce %d, want 3 (the node's pending nonce)", st.Nonce)
	}
	g.wait(t, st.ID, time.Minute, gateway.StatusConfirmed)
}
