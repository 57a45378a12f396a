package follow_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/evm"
	"github.com/chaintap/chaintap/follow"
	"github.com/chaintap/chaintap/internal/gethtest"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/kafka"
)

// TestGethDev follows a real `geth --dev` (built from the module proxy),
// checks the records against what geth itself answers, then makes a real
// reorg with debug_setHead and checks it is retracted and replaced.
func TestGethDev(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs geth")
	}
	g := gethtest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ec := ethclient.NewClient(g.RPC)
	var accounts []common.Address
	if err := g.RPC.Call(&accounts, "eth_accounts"); err != nil || len(accounts) == 0 {
		t.Fatalf("eth_accounts: %v %v", accounts, err)
	}
	dev := accounts[0]
	// Nonces are ours to count: geth --dev seals a block per transaction,
	// and its pending nonce can lag behind a burst of sends.
	nonce, err := ec.PendingNonceAt(ctx, dev)
	if err != nil {
		t.Fatal(err)
	}
	send := func(to *common.Address, data []byte, value int64) common.Hash {
		t.Helper()
		tx := map[string]any{"from": dev, "gas": hexutil.Uint64(300_000), "value": (*hexutil.Big)(bigInt(value)), "nonce": hexutil.Uint64(nonce)}
		nonce++
		if to != nil {
			tx["to"] = to
		}
		if data != nil {
			tx["data"] = hexutil.Bytes(data)
		}
		var h common.Hash
		if err := g.RPC.Call(&h, "eth_sendTransaction", tx); err != nil {
			t.Fatal(err)
		}
		return h
	}
	waitReceipt := func(h common.Hash) {
		t.Helper()
		ingesttest.WaitFor(t, 20*time.Second, "receipt of "+h.Hex(), func() bool {
			_, err := ec.TransactionReceipt(ctx, h)
			return err == nil
		})
	}
	deploy := send(nil, devchain.EmitterCode, 0)
	waitReceipt(deploy)
	rcpt, _ := ec.TransactionReceipt(ctx, deploy)
	emitter := rcpt.ContractAddress
	other := common.HexToAddress("0x00000000000000000000000000000000000000aa")
	// One block per transaction: geth --dev seals whatever its pool holds,
	// so a burst could share blocks, and the debug_setHead below (3 blocks
	// back) could then rewind past the emitter's deployment.
	traffic := func(n int) {
		for i := range n {
			if i%2 == 0 {
				waitReceipt(send(&emitter, nil, 0))
			} else {
				waitReceipt(send(&other, nil, int64(i+1)))
			}
		}
	}
	traffic(10)

	src, err := evm.Dial(ctx, evm.Config{Chain: "geth", URL: g.WS}, ingesttest.Logger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	kcfg := ingesttest.Broker(t)
	pub, err := kafka.NewPublisher(ctx, kcfg, "geth", ingesttest.Logger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	metrics := follow.NewMetrics(nil)
	zero := uint64(0)
	f := follow.New(follow.Config{Chain: "geth", From: &zero, Confirmations: 4, Window: 32}, src, pub, ingesttest.Logger(), metrics)
	var published atomic.Uint64
	f.OnProgress(func(p follow.Progress) { published.Store(p.Head) })
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	caughtUp := func() uint64 { return waitGethHead(t, ec, &published, done) }
	topics := kafka.TopicsFor("", "geth")
	head := caughtUp()
	ingesttest.CheckHeadView(t, kcfg, topics, src, 0, head)
	checkAgainstGeth(t, ec, kcfg, topics, head)

	// A real reorg: rewind geth by 3 blocks, then let it seal new ones.
	if err := g.RPC.Call(nil, "debug_setHead", hexutil.EncodeUint64(head-3)); err != nil {
		t.Fatal(err)
	}
	if nonce, err = ec.NonceAt(ctx, dev, nil); err != nil {
		t.Fatal(err)
	}
	traffic(6)
	head = caughtUp()
	ingesttest.CheckHeadView(t, kcfg, topics, src, 0, head)
	checkAgainstGeth(t, ec, kcfg, topics, head)
	if n := metrics.Reorgs("geth"); n < 1 {
		t.Fatalf("debug_setHead made no reorg the follower noticed (%v)", n)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("follower: %v", err)
	}
}

// waitGethHead waits until the follower has published geth's head and
// geth has not moved on meanwhile (geth --dev may seal an extra block).
func waitGethHead(t *testing.T, ec *ethclient.Client, published *atomic.Uint64, done <-chan error) uint64 {
	t.Helper()
	for {
		var head uint64
		ingesttest.WaitFor(t, 90*time.Second, "the follower to reach geth's head", func() bool {
			select {
			case err := <-done:
				t.Fatalf("the follower stopped: %v", err)
			default:
			}
			n, err := ec.BlockNumber(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			head = n
			return published.Load() == n
		})
		time.Sleep(200 * time.Millisecond)
		if n, err := ec.BlockNumber(context.Background()); err == nil && n == head {
			return head
		}
	}
}

// checkAgainstGeth compares the folded head view with geth's own answers
// through ethclient (go-ethereum's types, not our decoding).
func checkAgainstGeth(t *testing.T, ec *ethclient.Client, kcfg kafka.Config, topics kafka.Topics, head uint64) {
	t.Helper()
	ctx := context.Background()
	blocks := ingesttest.Fold(t, kcfg, topics.Head("blocks"))
	txs := ingesttest.Fold(t, kcfg, topics.Head("transactions"))
	logs := ingesttest.Fold(t, kcfg, topics.Head("logs"))
	nLogs := 0
	for n := uint64(0); n <= head; n++ {
		b, err := ec.BlockByNumber(ctx, bigInt(int64(n)))
		if err != nil {
			t.Fatal(err)
		}
		var got chaintap.EVMBlock
		if err := json.Unmarshal(blocks[chaintap.BlockHeadKey(n)], &got); err != nil {
			t.Fatalf("block %d: %v", n, err)
		}
		if got.Hash != b.Hash().Hex() && got.Hash != lowerHex(b.Hash()) || got.GasUsed != b.GasUsed() || got.TransactionCount != uint64(len(b.Transactions())) {
			t.Fatalf("block %d: got %s gas %d txs %d; geth says %s gas %d txs %d", n, got.Hash, got.GasUsed, got.TransactionCount, b.Hash(), b.GasUsed(), len(b.Transactions()))
		}
		for _, tx := range b.Transactions() {
			r, err := ec.TransactionReceipt(ctx, tx.Hash())
			if err != nil {
				t.Fatal(err)
			}
			var gt chaintap.Tx
			if err := json.Unmarshal(txs[lowerHex(tx.Hash())], &gt); err != nil {
				t.Fatalf("tx %s: %v", tx.Hash(), err)
			}
			if gt.BlockNumber != n || gt.ReceiptGasUsed != r.GasUsed || gt.ReceiptStatus == nil || *gt.ReceiptStatus != r.Status || gt.Nonce != tx.Nonce() {
				t.Fatalf("tx %s: %+v vs receipt %+v", tx.Hash(), gt, r)
			}
			for pos, l := range r.Logs {
				v, ok := logs[chaintap.LogKey(lowerHex(tx.Hash()), uint64(pos))]
				if !ok {
					t.Fatalf("log %d of %s missing", pos, tx.Hash())
				}
				var gl chaintap.Log
				_ = json.Unmarshal(v, &gl)
				if gl.LogIndex != uint64(l.Index) || gl.Topics[0] != lowerHex(l.Topics[0]) {
					t.Fatalf("log %d of %s: %+v vs %+v", pos, tx.Hash(), gl, l)
				}
				nLogs++
			}
		}
	}
	if nLogs == 0 || nLogs != len(logs) {
		t.Fatalf("geth has %d logs, the head view %d", nLogs, len(logs))
	}
}
