package follow_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/follow"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/kafka"
)

// hugeChain is a chain of blocks far bigger than mainnet's: block n has
// txs(n) transactions of 20 KB of calldata each. It is our own
// chaintap.BlockSource, in memory; blocks are built afresh on every
// fetch, as a node's answers are decoded afresh.
type hugeChain struct {
	head    uint64
	txs     func(n uint64) int
	byHash  atomic.Int64 // fetches by hash: blocks fetched again to confirm
	fetches atomic.Int64
}

func hugeHash(n uint64) string { return fmt.Sprintf("0x%064x", n+1) }

func (c *hugeChain) block(n uint64) *chaintap.EVMBlock {
	c.fetches.Add(1)
	b := &chaintap.EVMBlock{Type: "block", Chain: "huge", Number: n, Hash: hugeHash(n), ParentHash: hugeHash(n - 1)}
	input := "0x" + strings.Repeat("ab", 20_000)
	for i := range c.txs(n) {
		b.Transactions = append(b.Transactions, chaintap.Tx{Type: "transaction", Chain: "huge", Hash: fmt.Sprintf("0x%032x%032x", n, i),
			BlockNumber: n, BlockHash: b.Hash, Input: input[:len(input)-i%7]})
	}
	return b
}

func (c *hugeChain) HeadNumber(context.Context) (uint64, error) { return c.head, nil }
func (c *hugeChain) TagNumber(context.Context, string) (uint64, error) {
	return 0, chaintap.ErrNotFound
}
func (c *hugeChain) HeaderByNumber(_ context.Context, n uint64) (chaintap.Header, error) {
	if n > c.head {
		return chaintap.Header{}, chaintap.ErrNotFound
	}
	return chaintap.Header{Number: n, Hash: hugeHash(n), ParentHash: hugeHash(n - 1)}, nil
}
func (c *hugeChain) BlockByNumber(_ context.Context, n uint64) (chaintap.Block, error) {
	if n > c.head {
		return nil, chaintap.ErrNotFound
	}
	return c.block(n), nil
}
func (c *hugeChain) BlockByHash(_ context.Context, hash string) (chaintap.Block, error) {
	c.byHash.Add(1)
	var n uint64
	if _, err := fmt.Sscanf(hash, "0x%x", &n); err != nil || n == 0 || n-1 > c.head {
		return nil, chaintap.ErrNotFound
	}
	return c.block(n - 1), nil
}
func (c *hugeChain) SubscribeHeads(ctx context.Context, _ chan<- uint64) error {
	<-ctx.Done()
	return ctx.Err()
}

// TestMemoryBudgetHoldsOnHugeBlocks follows 60 blocks of 50 transactions
// of 20 KB (≈ 1 MB decoded, ≈ 3 MB with their encoding) and one of 800
// (≈ 50 MB prepared) with a budget of 8 MiB, as prepared by the Kafka
// publisher: the bytes the follower counts never exceed the budget by
// more than the huge block; the huge block passes; the cache of
// unconfirmed blocks, too small for the confirmation depth, lets blocks
// go and fetches them again to confirm them; and both views hold every
// block once. Without the budget the follower fetches up to 200 blocks
// ahead (2 × MaxBatch), about 600 MB.
func TestMemoryBudgetHoldsOnHugeBlocks(t *testing.T) {
	const budget = 8 << 20
	src := &hugeChain{head: 60, txs: func(n uint64) int {
		if n == 30 {
			return 800
		}
		return 50
	}}
	kcfg := ingesttest.Broker(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pub, err := kafka.NewPublisher(ctx, kcfg, "huge", ingesttest.Logger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	hugeBytes := int64(chaintap.Footprint(pub.Prepare(src.block(30))))
	small := int64(chaintap.Footprint(pub.Prepare(src.block(1))))
	zero := uint64(0)
	f := follow.New(follow.Config{Chain: "huge", From: &zero, Confirmations: 6, MemoryBudget: budget}, src, pub, ingesttest.Logger(), nil)
	runCtx, stop := context.WithCancel(ctx)
	var last follow.Progress
	var beforeHuge int64 // the peak while every block was small
	f.OnProgress(func(p follow.Progress) {
		last = p
		if p.Head <= 25 {
			beforeHuge = p.MemoryPeak
		}
		if p.Confirmed >= src.head-6 && p.Head == src.head {
			stop()
		}
	})
	if err := f.Run(runCtx); ctx.Err() != nil || runCtx.Err() == nil {
		t.Fatalf("the follower did not catch up: %v (last progress %+v)", err, last)
	}
	t.Logf("peak %d B counted, %d B before the huge block (budget %d B, blocks of %d B and one of %d B); %d fetches, %d again by hash",
		last.MemoryPeak, beforeHuge, budget, small, hugeBytes, src.fetches.Load(), src.byHash.Load())
	// The contract (follow/budget.go): over the budget by at most two
	// blocks, one fetched ahead and one fetched again to confirm.
	if beforeHuge > budget+2*small {
		t.Errorf("with small blocks the follower held %d bytes at once, over the budget of %d by more than two blocks of %d", beforeHuge, budget, small)
	}
	if last.MemoryPeak > budget+hugeBytes+small {
		t.Errorf("the follower held %d bytes at once, over the budget of %d by more than the huge block (%d) and a small one", last.MemoryPeak, budget, hugeBytes)
	}
	if src.byHash.Load() == 0 {
		t.Error("no block was fetched again to be confirmed: the cache held the whole confirmation depth of 3 MB blocks within 4 MB")
	}
	topics := kafka.TopicsFor("", "huge")
	for _, topic := range []string{topics.Head(chaintap.EntityBlocks), topics.Confirmed(chaintap.EntityBlocks)} {
		seen := map[string]int{}
		if err := kafka.ReadTopic(ctx, kcfg, topic, 0, func(r *kgo.Record) error { seen[string(r.Key)]++; return nil }); err != nil {
			t.Fatal(err)
		}
		want := int(src.head) + 1
		if topic == topics.Confirmed(chaintap.EntityBlocks) {
			want = int(src.head) - 6 + 1
		}
		if len(seen) != want {
			t.Errorf("%s holds %d blocks, want %d", topic, len(seen), want)
		}
		for k, n := range seen {
			if n != 1 {
				t.Errorf("%s holds block %s %d times", topic, k, n)
			}
		}
	}
}
