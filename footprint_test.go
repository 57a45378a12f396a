package chaintap_test

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/chaintap/chaintap"
)

// mainnetShaped builds a block the size of a mainnet block: 200
// transactions with ERC-20-sized calldata, 500 logs of three topics, each
// with a token transfer and a decoded event, every string allocated on its
// own as a decoder would.
func mainnetShaped(n uint64) *chaintap.EVMBlock {
	hash := func(i int) string { return fmt.Sprintf("0x%064x", uint64(i)*2654435761+n) }
	addr := func(i int) string { return fmt.Sprintf("0x%040x", uint64(i)*40503+n) }
	b := &chaintap.EVMBlock{Type: "block", Chain: "c", Number: n, Hash: hash(-1), ParentHash: hash(-2),
		LogsBloom: "0x" + strings.Repeat("0", 512), ExtraData: "0x6265617665726275696c642e6f7267"}
	for i := range 200 {
		to := addr(i + 1)
		price := fmt.Sprint(30_000_000_000 + i)
		b.Transactions = append(b.Transactions, chaintap.Tx{Type: "transaction", Chain: "c", Hash: hash(i), FromAddress: addr(i),
			ToAddress: &to, Value: fmt.Sprint(i), GasPrice: &price, Input: "0xa9059cbb" + strings.Repeat(fmt.Sprintf("%02x", i%256), 64),
			BlockHash: hash(-1)})
	}
	for i := range 500 {
		tx := b.Transactions[i%200].Hash
		b.Logs = append(b.Logs, chaintap.Log{Type: "log", Chain: "c", TransactionHash: tx, Address: addr(i + 7),
			Data: "0x" + strings.Repeat(fmt.Sprintf("%02x", i%256), 32), Topics: []string{hash(i + 1000), hash(i + 2000), hash(i + 3000)}, BlockHash: hash(-1)})
		b.Transfers = append(b.Transfers, chaintap.TokenTransfer{Type: "token_transfer", Chain: "c", TokenAddress: addr(i + 7),
			FromAddress: addr(i + 1), ToAddress: addr(i + 2), Value: fmt.Sprint(i * 1000), TokenStandard: chaintap.ERC20, TransactionHash: tx})
		args, _ := json.Marshal(map[string]string{"from": addr(i + 1), "to": addr(i + 2), "value": fmt.Sprint(i * 1000)})
		b.Events = append(b.Events, chaintap.Event{Type: "event", Chain: "c", BlockHash: hash(-1), TransactionHash: tx, ContractAddress: addr(i + 7),
			ContractName: "ERC20", EventName: "Transfer", EventSignature: "Transfer(address,address,uint256)", Args: args})
	}
	return b
}

// TestFootprintMatchesTheHeap holds the estimate to what the blocks
// really take: the live heap that holding 20 mainnet-shaped blocks adds,
// within a factor of 1.5 either way. A budget counted by footprints is
// then a budget of memory.
func TestFootprintMatchesTheHeap(t *testing.T) {
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	before := heap()
	blocks := make([]*chaintap.EVMBlock, 20)
	estimate := 0
	for i := range blocks {
		blocks[i] = mainnetShaped(uint64(i))
		estimate += chaintap.Footprint(blocks[i])
	}
	used := float64(heap() - before)
	runtime.KeepAlive(blocks)
	ratio := float64(estimate) / used
	t.Logf("20 blocks: estimate %d B, heap %.0f B, ratio %.2f", estimate, used, ratio)
	if ratio < 1/1.5 || ratio > 1.5 {
		t.Fatalf("footprint estimate %d B is %.2f× the heap the blocks take (%.0f B)", estimate, ratio, used)
	}
}
