package devchain_test

import (
	"context"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/chaintap/chaintap/devchain"
)

// TestTokenEmitsERC20Transfer: the hand-assembled token logs exactly what
// an ERC-20 Transfer(msg.sender, to, amount) logs.
func TestTokenEmitsERC20Transfer(t *testing.T) {
	ctx := context.Background()
	c, err := devchain.Start(devchain.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tr, err := devchain.NewTraffic(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	code, err := c.Client().CodeAt(ctx, tr.Token(), nil)
	if err != nil || len(code) != 50 {
		t.Fatalf("token code: %d bytes, %v", len(code), err)
	}
	to := common.HexToAddress("0x00000000000000000000000000000000000000b0")
	if err := tr.SendTokenTransfer(ctx, 0, to, big.NewInt(1234)); err != nil {
		t.Fatal(err)
	}
	c.Commit()
	head, _ := c.Client().BlockByNumber(ctx, nil)
	rcpt, err := c.Receipt(ctx, head.Transactions()[0].Hash())
	if err != nil || rcpt.Status != 1 || len(rcpt.Logs) != 1 {
		t.Fatalf("receipt: %+v %v", rcpt, err)
	}
	l := rcpt.Logs[0]
	sender := crypto.PubkeyToAddress(c.Keys()[0].PublicKey)
	if l.Topics[0] != crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)")) ||
		common.BytesToAddress(l.Topics[1].Bytes()) != sender || common.BytesToAddress(l.Topics[2].Bytes()) != to ||
		new(big.Int).SetBytes(l.Data).Int64() != 1234 {
		t.Fatalf("log = %+v", l)
	}
}
