package gateway_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/chaintap/chaintap/contracts"
	"github.com/chaintap/chaintap/decode"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/gateway"
	"github.com/chaintap/chaintap/kafka"
	"github.com/twmb/franz-go/pkg/kgo"
)

const chain = "devchain"

// env is a devchain sealing a block every interval, a kfake broker and the
// configuration of a gateway with the devchain's ten dev keys as senders
// s0…s9 and the demo's battery registry as contract "registry".
type env struct {
	t      *testing.T
	chain  *devchain.Chain
	broker *kafka.Broker
	kafka  kafka.Config
	fleet  *devchain.Fleet
	cfg    gateway.Config
	start  uint64 // the head before the gateway's first request
}

func newEnv(t *testing.T, interval time.Duration) *env {
	t.Helper()
	ctx := context.Background()
	c, err := devchain.Start(devchain.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	f, err := devchain.NewFleet(ctx, c, c.Seed(), "")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := decode.ParseContract("registry", f.Registry().Hex(), contracts.BatteryRegistryABI)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, chain: c, broker: b, kafka: kafka.Config{Brokers: []string{b.Addr()}}, fleet: f}
	signers := map[string]gateway.Signer{}
	for i, k := range c.Keys() {
		signers["s"+strconv.Itoa(i)] = gateway.NewKeySigner(k)
	}
	e.cfg = gateway.Config{Chain: chain, Kafka: e.kafka, Signers: signers, Contracts: []decode.Contract{reg},
		Tokens: []gateway.Token{
			{Name: "ops", Secret: "ops-secret-0123456789", Senders: []string{"*"}, Contracts: []string{"*"}},
			{Name: "page", Secret: "page-secret-0123456789", Senders: []string{"s1"}, Contracts: []string{"registry"}},
		},
		MaxInFlight: 16, PollInterval: 50 * time.Millisecond, ResubmitAfter: 20 * time.Second, Confirmations: 2}
	head, err := c.Client().BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.start = head + 1
	if interval > 0 {
		e.seal(interval)
	}
	return e
}

// seal commits a block every interval until the test ends.
func (e *env) seal(interval time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		e.chain.SealEvery(ctx, interval)
	}()
	e.t.Cleanup(func() { cancel(); wg.Wait() })
}

// gw is a running gateway.
type gw struct {
	svc    *gateway.Service
	srv    *httptest.Server
	reg    *prometheus.Registry
	cancel context.CancelFunc
	done   chan error
}

// run starts a gateway with cfg; stop (or the test's end) stops it.
func (e *env) run(cfg gateway.Config) *gw {
	e.t.Helper()
	reg := prometheus.NewRegistry()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	svc, err := gateway.New(cfg, e.chain.Client(), log, reg)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	g := &gw{svc: svc, srv: httptest.NewServer(svc.Handler()), reg: reg, cancel: cancel, done: make(chan error, 1)}
	go func() { g.done <- svc.Run(ctx) }()
	e.t.Cleanup(func() { g.stop() })
	return g
}

// stop stops the gateway and returns what Run returned. It is idempotent.
func (g *gw) stop() error {
	g.cancel()
	g.srv.Close()
	err, ok := <-g.done
	if ok {
		close(g.done)
	}
	return err
}

// wait waits until request id is in one of the statuses.
func (g *gw) wait(t *testing.T, id string, d time.Duration, want ...gateway.Status) gateway.State {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		st, err := g.svc.Get(id)
		if err == nil {
			for _, w := range want {
				if st.Status == w {
					return st
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("request %s: %+v (err %v), want status %v", id, st, err, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// onChain lists the transactions from addr in blocks e.start…head.
func (e *env) onChain(addr common.Address) []*types.Transaction {
	e.t.Helper()
	ctx := context.Background()
	head, err := e.chain.Client().BlockNumber(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	signer := types.LatestSignerForChainID(big.NewInt(devchain.ChainID))
	var out []*types.Transaction
	for n := e.start; n <= head; n++ {
		b, err := e.chain.Client().BlockByNumber(ctx, new(big.Int).SetUint64(n))
		if err != nil {
			e.t.Fatalf("block %d: %v", n, err)
		}
		for _, tx := range b.Transactions() {
			if from, err := types.Sender(signer, tx); err == nil && from == addr {
				out = append(out, tx)
			}
		}
	}
	return out
}

func (e *env) addr(i int) common.Address { return crypto.PubkeyToAddress(e.chain.Keys()[i].PublicKey) }

// receipts reads <chain>.tx.receipts.
func (e *env) receipts() []gateway.Receipt {
	e.t.Helper()
	var out []gateway.Receipt
	err := kafka.ReadTopic(context.Background(), e.kafka, gateway.TopicsFor("", chain).Receipts, 0, func(r *kgo.Record) error {
		var rc gateway.Receipt
		if err := jsonUnmarshal(r.Value, &rc); err != nil {
			return fmt.Errorf("receipt at %d: %w", r.Offset, err)
		}
		out = append(out, rc)
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// transfer is a small value transfer to a fixed address.
func transfer(from string, wei int) gateway.Request {
	return gateway.Request{From: from, To: "0x00000000000000000000000000000000000000aa", Value: strconv.Itoa(wei)}
}

var errCrash = errors.New("crash (test hook)")
