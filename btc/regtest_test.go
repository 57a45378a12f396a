package btc_test

// Tests against a real btcd in regtest: blocks with spends between
// wallets followed into an embedded broker, a reorg made with
// invalidateblock and a longer branch, and a reorg deeper than the window.

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/btc"
	"github.com/chaintap/chaintap/follow"
	"github.com/chaintap/chaintap/internal/btcdtest"
	"github.com/chaintap/chaintap/internal/faultproxy"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/kafka"
)

const chain = "btc-regtest"

// run follows node into kcfg in the background.
type run struct {
	mu       sync.Mutex
	progress follow.Progress
	cancel   context.CancelFunc
	done     chan error
}

func startFollower(t *testing.T, kcfg kafka.Config, src chaintap.BlockSource, fcfg follow.Config) *run {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pub, err := kafka.NewFamilyPublisher(ctx, kcfg, chain, chaintap.FamilyBitcoin, ingesttest.Logger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	fcfg.Chain = chain
	f := follow.New(fcfg, src, pub, ingesttest.Logger(), nil)
	r := &run{cancel: cancel, done: make(chan error, 1)}
	f.OnProgress(func(p follow.Progress) {
		r.mu.Lock()
		r.progress = p
		r.mu.Unlock()
	})
	go func() {
		r.done <- f.Run(ctx)
		pub.Close()
	}()
	t.Cleanup(func() { r.stop() })
	return r
}

func (r *run) stop() error {
	r.cancel()
	err := <-r.done
	r.done <- err // stop is idempotent
	return err
}

func (r *run) head() follow.Progress {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.progress
}

// waitFor waits until the follower published hash at height n.
func (r *run) waitFor(t *testing.T, n uint64, hash string) {
	t.Helper()
	ingesttest.WaitFor(t, 60*time.Second, "the follower to publish block "+ingesttest.Itoa(n), func() bool {
		select {
		case err := <-r.done:
			r.done <- err
			t.Fatalf("follower stopped: %v", err)
		default:
		}
		p := r.head()
		return p.Head == n && p.HeadHash == hash
	})
}

func source(node *btcdtest.Node, poll time.Duration) *btc.Source {
	return btc.New(btc.Config{Chain: chain, URL: node.URL, Auth: btc.Auth{User: node.User, Password: node.Pass}, PollInterval: poll}, ingesttest.Logger(), nil)
}

// TestRegtestFollowAndReorg: blocks with spends (legacy and segwit,
// some spending outputs of the same block) reach the head view with
// every input resolved; a reorg (the top three blocks invalidated, a
// longer branch mined) retracts the orphans' records and publishes the
// new branch: folding the head view gives exactly the node's canonical
// chain, the reorg is recorded, and the confirmed view holds every block
// once, in order.
func TestRegtestFollowAndReorg(t *testing.T) {
	node := btcdtest.Start(t)
	traffic := btcdtest.NewTraffic(t, node, 1)
	for range 8 {
		traffic.Block(4)
	}
	kcfg := ingesttest.Broker(t)
	src := source(node, 50*time.Millisecond)
	from := uint64(90) // includes blocks of coinbases only, and the spends
	r := startFollower(t, kcfg, src, follow.Config{Window: 20, Confirmations: 4, From: &from})
	tip := node.Height()
	r.waitFor(t, tip, node.HashAt(tip))

	block, err := src.BitcoinBlockByNumber(context.Background(), tip)
	if err != nil {
		t.Fatal(err)
	}
	checkResolved(t, block)

	orphaned := node.HashAt(tip - 2)
	node.Reorg(tip-2, 4)
	traffic.Reset()
	traffic.Block(3)
	newTip := node.Height()
	r.waitFor(t, newTip, node.HashAt(newTip))
	if err := r.stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("follower stopped with %v", err)
	}

	topics := kafka.TopicsOf("", chain, chaintap.FamilyBitcoin)
	ingesttest.CheckHeadView(t, kcfg, topics, src, from, newTip)
	ingesttest.CheckConfirmed(t, kcfg, topics, src, from, newTip-4)
	reorgs := ingesttest.Reorgs(t, kcfg, topics)
	if len(reorgs) != 1 || reorgs[0].Depth != 3 || reorgs[0].CommonAncestor.Number != tip-3 || reorgs[0].Orphaned[2].Hash != orphaned {
		t.Fatalf("reorg records %+v; want one of depth 3 from block %d", reorgs, tip-2)
	}
	t.Logf("followed blocks %d..%d, %d transactions sent, a reorg of depth 3", from, newTip, traffic.Sent)
}

// checkResolved fails unless every input of b has its spent output's
// value, type and address, and the fee adds up.
func checkResolved(t *testing.T, b *chaintap.BitcoinBlock) {
	t.Helper()
	spends, segwit := 0, 0
	for _, tx := range b.Transactions {
		for _, in := range tx.Inputs {
			spends++
			if in.Value == 0 || in.ScriptType == nil || len(in.Addresses) != 1 {
				t.Fatalf("tx %s input %d not resolved: %+v", tx.Hash, in.Index, in)
			}
			if len(in.Witness) > 0 {
				segwit++
			}
		}
		if !tx.IsCoinbase && (tx.Fee != 2000 || int64(tx.InputValue)-int64(tx.OutputValue) != tx.Fee) {
			t.Fatalf("tx %s: fee %d, in %d, out %d", tx.Hash, tx.Fee, tx.InputValue, tx.OutputValue)
		}
	}
	if spends == 0 {
		t.Fatal("the block has no spends")
	}
	t.Logf("block %d: %d transactions, %d inputs (%d segwit)", b.Number, len(b.Transactions), spends, segwit)
}

// TestRegtestReorgDeeperThanWindowStops: a reorg below the window's
// oldest block stops the follower with *chaintap.ReorgTooDeepError.
func TestRegtestReorgDeeperThanWindowStops(t *testing.T) {
	node := btcdtest.Start(t)
	node.Generate(12)
	kcfg := ingesttest.Broker(t)
	src := source(node, 50*time.Millisecond)
	from := uint64(1)
	r := startFollower(t, kcfg, src, follow.Config{Window: 3, Confirmations: 1, From: &from})
	tip := node.Height()
	r.waitFor(t, tip, node.HashAt(tip))
	node.Reorg(tip-5, 8)
	select {
	case err := <-r.done:
		r.done <- err
		var deep *chaintap.ReorgTooDeepError
		if !errors.As(err, &deep) {
			t.Fatalf("follower stopped with %v, want a ReorgTooDeepError", err)
		}
		t.Log(err)
	case <-time.After(60 * time.Second):
		t.Fatal("the follower did not stop on a reorg deeper than its window")
	}
}

// TestRegtestFaultyNode follows btcd through a proxy that drops
// connections, answers 429 and 500, answers slowly, answers garbage and
// lags ("not found"), while blocks with spends are mined and a reorg
// happens: the head view still folds to the canonical chain, the
// confirmed view holds every block once, and the retries were counted.
func TestRegtestFaultyNode(t *testing.T) {
	node := btcdtest.Start(t)
	traffic := btcdtest.NewTraffic(t, node, 2)
	proxy := faultproxy.Start(node.URL, faultproxy.Config{
		Drop: 0.04, Status429: 0.04, Status500: 0.04, Slow: 0.03, NotFound: 0.08, Garbage: 0.05,
		SlowFor: 50 * time.Millisecond, Seed: 7,
	})
	defer proxy.Close()
	metrics := btc.NewMetrics(nil)
	src := btc.New(btc.Config{Chain: chain, URL: proxy.URL, Auth: btc.Auth{User: node.User, Password: node.Pass},
		PollInterval: 20 * time.Millisecond, BatchSize: 3, CacheTxs: 2, // a tiny cache: most inputs go to the node
		Retry: btc.RetryPolicy{Initial: 2 * time.Millisecond, Max: 40 * time.Millisecond, NotFound: 40, Wrong: 8},
	}, ingesttest.Logger(), metrics)
	kcfg := ingesttest.Broker(t)
	from := uint64(95)
	r := startFollower(t, kcfg, src, follow.Config{Window: 30, Confirmations: 3, From: &from})
	for i := range 24 {
		traffic.Block(4)
		if i == 15 {
			node.Reorg(node.Height()-1, 3)
			traffic.Reset()
		}
		time.Sleep(20 * time.Millisecond)
	}
	tip := node.Height()
	r.waitFor(t, tip, node.HashAt(tip))
	if err := r.stop(); !errors.Is(err, context.Canceled) {
		t.Fatalf("follower stopped with %v", err)
	}
	direct := source(node, time.Second)
	topics := kafka.TopicsOf("", chain, chaintap.FamilyBitcoin)
	ingesttest.CheckHeadView(t, kcfg, topics, direct, from, tip)
	ingesttest.CheckConfirmed(t, kcfg, topics, direct, from, tip-3)
	for _, kind := range []string{faultproxy.Drop, faultproxy.Status429, faultproxy.Status500, faultproxy.Slow, faultproxy.NotFound, faultproxy.Garbage} {
		if proxy.Injected(kind) == 0 {
			t.Errorf("the proxy never injected %s", kind)
		}
	}
	for _, reason := range []string{"network", "http_429", "http_5xx", "not_found", "malformed"} {
		if metrics.Retries(chain, reason) == 0 {
			t.Errorf("no %s retry counted", reason)
		}
	}
	t.Logf("%d transactions; spent outputs from the block %.0f, the cache %.0f, the node %.0f; faults: drop %d, 429 %d, 500 %d, slow %d, not found %d, garbage %d",
		traffic.Sent, metrics.SpentOutputs(chain, "block"), metrics.SpentOutputs(chain, "cache"), metrics.SpentOutputs(chain, "node"),
		proxy.Injected(faultproxy.Drop), proxy.Injected(faultproxy.Status429), proxy.Injected(faultproxy.Status500),
		proxy.Injected(faultproxy.Slow), proxy.Injected(faultproxy.NotFound), proxy.Injected(faultproxy.Garbage))
}
