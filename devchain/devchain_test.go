package devchain_test

import (
	"context"
	"errors"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/rpc"

	"github.com/chaintap/chaintap/devchain"
)

// TestReorgOnDemand asks the served devchain for a reorg over JSON-RPC
// (devchain_reorg), as a user would with curl: the newest blocks are
// replaced.
func TestReorgOnDemand(t *testing.T) {
	ctx := context.Background()
	c, err := devchain.Start(devchain.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 10 {
		c.Commit()
	}
	before, err := c.Client().HeaderByNumber(ctx, big.NewInt(8))
	if err != nil {
		t.Fatal(err)
	}
	client, err := rpc.DialContext(ctx, c.HTTPURL())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	var newHead string
	if err := client.CallContext(ctx, &newHead, "devchain_reorg", 3); err != nil {
		t.Fatal(err)
	}
	after, err := c.Client().HeaderByNumber(ctx, big.NewInt(8))
	if err != nil {
		t.Fatal(err)
	}
	head, _ := c.Client().HeaderByNumber(ctx, nil)
	if after.Hash() == before.Hash() || head.Number.Uint64() != 11 || head.Hash().Hex() != newHead {
		t.Fatalf("block 8 %s → %s, head %d %s (answer %s)", before.Hash(), after.Hash(), head.Number, head.Hash(), newHead)
	}
	if err := client.CallContext(ctx, &newHead, "devchain_reorg", 0); err == nil {
		t.Fatal("a reorg of depth 0 was accepted")
	}
}

// TestReorgStopsAtTheFinalizedBlock: the chain finalizes every 32nd block;
// a reorg that would orphan it is refused with ErrBelowFinalized (geth
// freezes finalized blocks, and a fork below them would later stop the
// chain), and one just above it works.
func TestReorgStopsAtTheFinalizedBlock(t *testing.T) {
	ctx := context.Background()
	c, err := devchain.Start(devchain.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for range 40 {
		c.Commit()
	}
	room, err := c.Headroom(ctx)
	if err != nil || room != 8 {
		t.Fatalf("headroom at block 40 = %d, %v; want 8 (finalized 32)", room, err)
	}
	if err := c.Reorg(ctx, 9, 10); !errors.Is(err, devchain.ErrBelowFinalized) {
		t.Fatalf("a reorg of 9 blocks over finalized block 32: err = %v, want ErrBelowFinalized", err)
	}
	if err := c.Reorg(ctx, 8, 9); err != nil {
		t.Fatalf("a reorg of the 8 blocks above the finalized one: %v", err)
	}
}
