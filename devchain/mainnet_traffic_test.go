package devchain

import (
	"bytes"
	"context"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rpc"
)

// TestMainnetContractsEmitStandardEvents: each hand-assembled contract of
// the mainnet-shaped traffic logs exactly what its standard counterpart
// logs, for calldata of the standard size.
func TestMainnetContractsEmitStandardEvents(t *testing.T) {
	ctx := context.Background()
	c, err := Start(Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m, err := NewMainnetTraffic(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	key := c.keys[1]
	sender := crypto.PubkeyToAddress(key.PublicKey)
	from := common.HexToAddress("0x00000000000000000000000000000000000000f1")
	to := common.HexToAddress("0x00000000000000000000000000000000000000b0")
	ids := []*big.Int{big.NewInt(7), big.NewInt(8), big.NewInt(9)}
	values := []*big.Int{big.NewInt(70), big.NewInt(80), big.NewInt(90)}
	calls := []struct {
		name     string
		contract common.Address
		data     []byte
		size     int
	}{
		{"erc20", m.ERC20[0], ERC20Call(to, big.NewInt(1234)), 68},
		{"erc721", m.ERC721[0], ERC721Call(from, to, big.NewInt(42)), 100},
		{"erc1155 single", m.ERC1155S[0], ERC1155SingleCall(from, to, big.NewInt(5), big.NewInt(6)), 196},
		{"erc1155 batch", m.ERC1155B[0], ERC1155BatchCall(from, to, ids, values), 4 + 32*(5+2*(1+3)+1)},
		{"call, 0 logs", m.Emitters[0], EmitterCall(rand.New(rand.NewPCG(1, 2)), 0, 300), 300},
		{"call, 6 logs", m.Emitters[0], EmitterCall(rand.New(rand.NewPCG(1, 2)), 6, 400), 400},
	}
	var hashes []common.Hash
	for _, call := range calls {
		if len(call.data) != call.size {
			t.Errorf("%s: calldata of %d bytes, want %d", call.name, len(call.data), call.size)
		}
		tx, err := m.t.send(ctx, key, &call.contract, big.NewInt(0), call.data, 150_000)
		if err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, tx.Hash())
	}
	rcpts, err := c.Seal(ctx, hashes...)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rcpts {
		if r.Status != types.ReceiptStatusSuccessful {
			t.Fatalf("%s failed: %+v", calls[i].name, r)
		}
	}
	topic := func(a common.Address) common.Hash { return common.BytesToHash(a.Bytes()) }
	num := func(n int64) []byte { return common.LeftPadBytes(big.NewInt(n).Bytes(), 32) }
	expect := func(name string, l *types.Log, topics []common.Hash, data []byte) {
		t.Helper()
		if len(l.Topics) != len(topics) {
			t.Fatalf("%s: topics %v, want %v", name, l.Topics, topics)
		}
		for i := range topics {
			if l.Topics[i] != topics[i] {
				t.Fatalf("%s: topic %d = %s, want %s", name, i, l.Topics[i], topics[i])
			}
		}
		if !bytes.Equal(l.Data, data) {
			t.Fatalf("%s: data %x, want %x", name, l.Data, data)
		}
	}
	one := func(i int) *types.Log {
		t.Helper()
		if len(rcpts[i].Logs) != 1 {
			t.Fatalf("%s: %d logs, want 1", calls[i].name, len(rcpts[i].Logs))
		}
		return rcpts[i].Logs[0]
	}
	expect("erc20", one(0), []common.Hash{TransferTopic, topic(sender), topic(to)}, num(1234))
	expect("erc721", one(1), []common.Hash{TransferTopic, topic(from), topic(to), common.BigToHash(big.NewInt(42))}, nil)
	expect("erc1155 single", one(2), []common.Hash{TransferSingleTopic, topic(sender), topic(from), topic(to)}, append(num(5), num(6)...))

	batch := one(3)
	expect("erc1155 batch", batch, []common.Hash{TransferBatchTopic, topic(sender), topic(from), topic(to)}, batch.Data)
	arr, _ := abi.NewType("uint256[]", "", nil)
	got, err := abi.Arguments{{Type: arr}, {Type: arr}}.Unpack(batch.Data)
	if err != nil {
		t.Fatalf("TransferBatch data does not decode as (uint256[], uint256[]): %v", err)
	}
	for i, want := range [][]*big.Int{ids, values} {
		g := got[i].([]*big.Int)
		if len(g) != len(want) {
			t.Fatalf("TransferBatch array %d = %v, want %v", i, g, want)
		}
		for j := range g {
			if g[j].Cmp(want[j]) != 0 {
				t.Fatalf("TransferBatch array %d = %v, want %v", i, g, want)
			}
		}
	}

	if n := len(rcpts[4].Logs); n != 0 {
		t.Fatalf("call with 0 logs logged %d", n)
	}
	logs := rcpts[5].Logs
	if len(logs) != 6 {
		t.Fatalf("call with 6 logs logged %d", len(logs))
	}
	for i, l := range logs {
		expect("call", l, []common.Hash{CalledTopic, topic(sender), common.BigToHash(big.NewInt(int64(6 - i)))}, calls[5].data[36:132])
	}
}

// TestMainnetTrafficMix: a block of the mix holds every kind of call and
// about the intended number of logs.
func TestMainnetTrafficMix(t *testing.T) {
	ctx := context.Background()
	c, err := Start(Config{Accounts: 50})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	m, err := NewMainnetTraffic(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Send(ctx, rand.New(rand.NewPCG(3, 4)), 200); err != nil {
		t.Fatal(err)
	}
	if err := c.WaitPending(ctx, 200); err != nil {
		t.Fatal(err)
	}
	c.Commit()
	blk, err := c.Client().BlockByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(blk.Transactions()); n != 200 {
		t.Fatalf("block has %d transactions, want 200", n)
	}
	rcpts, err := c.Client().BlockReceipts(ctx, rpc.BlockNumberOrHashWithHash(blk.Hash(), false))
	if err != nil {
		t.Fatal(err)
	}
	logs, failed := 0, 0
	for _, r := range rcpts {
		logs += len(r.Logs)
		if r.Status != types.ReceiptStatusSuccessful {
			failed++
		}
	}
	if failed > 0 || logs < 200 || logs > 340 {
		t.Fatalf("%d logs (want ~260), %d failed transactions", logs, failed)
	}
}
