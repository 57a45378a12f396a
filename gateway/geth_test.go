package gateway_test

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/chaintap/chaintap/contracts"
	"github.com/chaintap/chaintap/decode"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/gateway"
	"github.com/chaintap/chaintap/internal/gethtest"
	"github.com/chaintap/chaintap/kafka"
)

// TestGethDev runs the request set against a real node, geth --dev
// (built from the module proxy, cached): concurrent transfers from ten
// senders each mined once with contiguous nonces, a deployment, a call by
// method name, and a revert whose reason is decoded from geth's answer.
func TestGethDev(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs geth")
	}
	const senders, perSender = 10, 20
	g := gethtest.Start(t)
	ctx := context.Background()
	node, err := ethclient.Dial(g.HTTP)
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	keys := devchain.DevKeys("gateway geth test", senders)
	fund(t, g, node, keys)
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	start, err := node.BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	signers := map[string]gateway.Signer{}
	for i, k := range keys {
		signers["s"+strconv.Itoa(i)] = gateway.NewKeySigner(k)
	}
	cfg := gateway.Config{Chain: "geth", Kafka: kafka.Config{Brokers: []string{b.Addr()}}, Signers: signers,
		PollInterval: 50 * time.Millisecond, Confirmations: 1}
	svc, stop := runOn(t, cfg, node)

	// A deployment first: the registry the calls below go to.
	dep, err := svc.Submit(ctx, "deploy", gateway.Request{From: "s0", Bytecode: contracts.BatteryRegistryMetaData.Bin})
	if err != nil {
		t.Fatal(err)
	}
	dep = waitState(t, svc, dep.ID, gateway.StatusConfirmed)
	if dep.ContractAddress == "" {
		t.Fatalf("deployment: %+v", dep)
	}

	var wg sync.WaitGroup
	ids := make([][]string, senders)
	for s := range senders {
		ids[s] = make([]string, perSender)
		for i := range perSender {
			wg.Add(1)
			go func() {
				defer wg.Done()
				st, err := svc.Submit(ctx, fmt.Sprintf("geth-%d-%d", s, i), transfer("s"+strconv.Itoa(s), 1+i))
				if err != nil {
					t.Error(err)
				}
				ids[s][i] = st.ID
			}()
		}
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	txCount := map[common.Address]int{}
	for s := range senders {
		seen := map[uint64]bool{}
		for _, id := range ids[s] {
			seen[waitState(t, svc, id, gateway.StatusConfirmed).Nonce] = true
		}
		first := uint64(0)
		if s == 0 {
			first = 1 // the deployment took s0's nonce 0
		}
		for n := first; n < first+perSender; n++ {
			if !seen[n] {
				t.Fatalf("s%d: nonce %d missing: %v", s, n, seen)
			}
		}
	}
	countTxs(t, node, start, txCount)
	for s, k := range keys {
		want := perSender
		if s == 0 {
			want++
		}
		if got := txCount[crypto.PubkeyToAddress(k.PublicKey)]; got != want {
			t.Fatalf("s%d: %d transactions on chain, want %d", s, got, want)
		}
	}

	// Calls by method name, on the gateway restarted knowing the deployed
	// registry: it continues each sender's nonces from its state.
	stop()
	cfg.Confirmations = 3 // geth --dev seals only for transactions: mined ones stay watched
	svc2 := restartWith(t, cfg, node, dep.ContractAddress)
	ok, err := svc2.Submit(ctx, "add-station", gateway.Request{From: "s0", Contract: "registry", Method: "addStation", Args: rawArgs(`"0x00000000000000000000000000000000000000aa"`)})
	if err != nil {
		t.Fatal(err)
	}
	if st := waitState(t, svc2, ok.ID, gateway.StatusMined, gateway.StatusConfirmed); st.Succeeded == nil || !*st.Succeeded {
		t.Fatalf("addStation: %+v", st)
	}
	if _, err := svc2.Submit(ctx, "refused", gateway.Request{From: "s1", Contract: "registry", Method: "addStation", Args: rawArgs(`"0x00000000000000000000000000000000000000bb"`)}); err == nil ||
		!contains(err.Error(), "only the manufacturer can do this") {
		t.Fatalf("a call geth refuses at estimation: %v", err)
	}
	mined, err := svc2.Submit(ctx, "refused-mined", gateway.Request{From: "s1", Contract: "registry", Method: "addStation",
		Args: rawArgs(`"0x00000000000000000000000000000000000000bb"`), Gas: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	if st := waitState(t, svc2, mined.ID, gateway.StatusMined, gateway.StatusConfirmed); st.RevertReason != "only the manufacturer can do this" {
		t.Fatalf("a mined revert on geth: %+v", st)
	}

	// debug_setHead below a mined request's block: the block is gone from
	// geth's chain; the gateway sees it and the request ends up mined again.
	rq, err := svc2.Submit(ctx, "set-head", transfer("s2", 77))
	if err != nil {
		t.Fatal(err)
	}
	before := waitState(t, svc2, rq.ID, gateway.StatusMined)
	g.SetHead(t, before.BlockNumber-1)
	var after gateway.State
	deadline := time.Now().Add(time.Minute)
	for after.Reorgs == 0 || after.Status != gateway.StatusMined {
		if time.Now().After(deadline) {
			t.Fatalf("after debug_setHead %d: %+v", before.BlockNumber-1, after)
		}
		time.Sleep(20 * time.Millisecond)
		after, _ = svc2.Get(rq.ID)
	}
	if after.BlockHash == before.BlockHash || !contains(after.Note, "reorged") {
		t.Fatalf("before %+v\nafter %+v", before, after)
	}
	t.Logf("after debug_setHead: %s", after.Note)
}

// fund sends 100 ether to each key from geth's dev account.
func fund(t *testing.T, g *gethtest.Geth, node *ethclient.Client, keys []*ecdsa.PrivateKey) {
	t.Helper()
	var accounts []common.Address
	if err := g.RPC.Call(&accounts, "eth_accounts"); err != nil || len(accounts) == 0 {
		t.Fatalf("eth_accounts: %v %v", accounts, err)
	}
	value := new(big.Int).Mul(big.NewInt(100), big.NewInt(1e18))
	// Nonces set here: geth --dev, sealing a block per transaction, once
	// gave two of these the same pool nonce while it sealed ("replacement
	// transaction underpriced", a CI run).
	nonce, err := node.PendingNonceAt(context.Background(), accounts[0])
	if err != nil {
		t.Fatal(err)
	}
	var last common.Hash
	for i, k := range keys {
		tx := map[string]any{"from": accounts[0], "to": crypto.PubkeyToAddress(k.PublicKey), "gas": hexutil.Uint64(21_000), "value": hexutil.EncodeBig(value),
			"nonce": hexutil.Uint64(nonce + uint64(i))}
		if err := g.RPC.Call(&last, "eth_sendTransaction", tx); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if _, err := node.TransactionReceipt(context.Background(), last); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("funding the senders: no receipt")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// runOn runs a gateway until stop is called (or the test ends).
func runOn(t *testing.T, cfg gateway.Config, node *ethclient.Client) (svc *gateway.Service, stop func()) {
	t.Helper()
	svc, err := gateway.New(cfg, node, slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("gateway: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return svc, stop
}

// restartWith runs the gateway again, knowing the registry at addr.
func restartWith(t *testing.T, cfg gateway.Config, node *ethclient.Client, addr string) *gateway.Service {
	t.Helper()
	reg, err := decode.ParseContract("registry", addr, contracts.BatteryRegistryABI)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Contracts = []decode.Contract{reg}
	svc, _ := runOn(t, cfg, node)
	return svc
}

func waitState(t *testing.T, svc *gateway.Service, id string, want ...gateway.Status) gateway.State {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		st, err := svc.Get(id)
		if err == nil && slices.Contains(want, st.Status) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("request %s: %+v (%v), want %s", id, st, err, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// countTxs counts the transactions of each sender in blocks after start.
func countTxs(t *testing.T, node *ethclient.Client, start uint64, out map[common.Address]int) {
	t.Helper()
	ctx := context.Background()
	head, err := node.BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	chainID, err := node.ChainID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	signer := types.LatestSignerForChainID(chainID)
	for n := start + 1; n <= head; n++ {
		b, err := node.BlockByNumber(ctx, new(big.Int).SetUint64(n))
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range b.Transactions() {
			if from, err := types.Sender(signer, tx); err == nil {
				out[from]++
			}
		}
	}
}
