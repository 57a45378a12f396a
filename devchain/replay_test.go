package devchain_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/evm"
	"github.com/chaintap/chaintap/follow"
)

// TestReplayIsValidInput: our evm.Source and follower follow 300 blocks of
// a replay of a 4-block mainnet-shaped chain; every block links to the
// previous one, carries its template's transactions and logs, and passes
// the source's checks (receipts that match the block).
func TestReplayIsValidInput(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c, err := devchain.Start(devchain.Config{Addr: "127.0.0.1:0", Accounts: 40})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m, err := devchain.NewMainnetTraffic(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for range 3 {
		if err := m.Send(ctx, rng, 40); err != nil {
			t.Fatal(err)
		}
		if err := c.WaitPending(ctx, 40); err != nil {
			t.Fatal(err)
		}
		c.Commit()
	}
	const head = 300
	r, err := devchain.StartReplay(ctx, devchain.ReplayConfig{Addr: "127.0.0.1:0", From: c.HTTPURL(), Head: head})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Templates() != 4 { // the deploying block and 3 of traffic
		t.Fatalf("%d templates, want 4", r.Templates())
	}

	src, err := evm.Dial(ctx, evm.Config{Chain: "replay", URL: r.URL()}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if n, err := src.HeadNumber(ctx); err != nil || n != head {
		t.Fatalf("head = %d, %v", n, err)
	}
	var txs, logs [4]int
	for n := range uint64(head + 1) {
		b, err := src.EVMBlockByNumber(ctx, n)
		if err != nil {
			t.Fatalf("block %d: %v", n, err)
		}
		want := devchain.ReplayHash(n).Hex()
		if b.Number != n || b.Hash != want || (n > 0 && b.ParentHash != devchain.ReplayHash(n-1).Hex()) {
			t.Fatalf("block %d is %d %s (parent %s), want hash %s", n, b.Number, b.Hash, b.ParentHash, want)
		}
		for _, l := range b.Logs {
			if l.BlockNumber != n || l.BlockHash != want {
				t.Fatalf("block %d: log names block %d %s", n, l.BlockNumber, l.BlockHash)
			}
		}
		tmpl := n % 4
		if n < 4 {
			txs[tmpl], logs[tmpl] = len(b.Transactions), len(b.Logs)
		} else if len(b.Transactions) != txs[tmpl] || len(b.Logs) != logs[tmpl] {
			t.Fatalf("block %d: %d txs %d logs, template had %d %d", n, len(b.Transactions), len(b.Logs), txs[tmpl], logs[tmpl])
		}
	}
	if txs[1] != 40 || logs[1] < 20 {
		t.Fatalf("a traffic block has %d transactions and %d logs", txs[1], logs[1])
	}
	byHash, err := src.BlockByHash(ctx, devchain.ReplayHash(77).Hex())
	if err != nil || byHash.Header().Number != 77 {
		t.Fatalf("block by hash: %+v %v", byHash, err)
	}
	if n, err := src.TagNumber(ctx, "finalized"); err != nil || n != head-64 {
		t.Fatalf("finalized = %d, %v", n, err)
	}

	// A receipt by transaction hash is the newest replay of it.
	b5, _ := src.EVMBlockByNumber(ctx, 5)
	var rcpt struct{ BlockNumber, BlockHash string }
	cl, err := rpc.DialContext(ctx, r.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.CallContext(ctx, &rcpt, "eth_getTransactionReceipt", b5.Transactions[0].Hash); err != nil {
		t.Fatal(err)
	}
	if rcpt.BlockNumber != hexutil.EncodeUint64(297) || rcpt.BlockHash != devchain.ReplayHash(297).Hex() {
		t.Fatalf("receipt in block %s %s, want the newest replay 297", rcpt.BlockNumber, rcpt.BlockHash)
	}

	// The follower publishes every height once, in order.
	pub := &recorder{}
	zero := uint64(0)
	fctx, stop := context.WithCancel(ctx)
	defer stop()
	f := follow.New(follow.Config{Chain: "replay", From: &zero, Confirmations: 12}, src, pub, nil, nil)
	f.OnProgress(func(p follow.Progress) {
		if p.Head >= head {
			stop()
		}
	})
	if err := f.Run(fctx); ctx.Err() != nil {
		t.Fatalf("the follower did not reach the replay's head: %v", err)
	}
	if got := pub.applied(); len(got) != head+1 {
		t.Fatalf("published %d blocks, want %d", len(got), head+1)
	} else {
		for i, h := range got {
			if h.Number != uint64(i) || h.Hash != devchain.ReplayHash(uint64(i)).Hex() {
				t.Fatalf("published block %d is %+v", i, h)
			}
		}
	}
}

// recorder is a publisher that remembers the applied blocks' headers.
type recorder struct {
	mu    sync.Mutex
	heads []chaintap.Header
}

func (*recorder) LoadCursor(context.Context, string) (*chaintap.Cursor, error) { return nil, nil }

func (p *recorder) Publish(_ context.Context, b chaintap.Batch) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, blk := range b.Apply {
		p.heads = append(p.heads, blk.Header())
	}
	return nil
}

func (p *recorder) applied() []chaintap.Header {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]chaintap.Header(nil), p.heads...)
}
