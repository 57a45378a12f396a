package devchain_test

import (
	"context"
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
