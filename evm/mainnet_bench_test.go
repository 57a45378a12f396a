package evm

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// mainnetAnswer is a JSON-RPC batch answer the size of a mainnet block's:
// eth_getBlockByNumber (full transactions) and eth_getBlockReceipts for
// 200 transactions with 500 logs.
func mainnetAnswer() []byte {
	hash := func(i int) string { return fmt.Sprintf("\"0x%064x\"", i*2654435761) }
	addr := func(i int) string { return fmt.Sprintf("\"0x%040x\"", i*40503) }
	bh := hash(999999)
	var txs, rcpts []string
	logIndex := 0
	for i := range 200 {
		input := "0xa9059cbb" + strings.Repeat(fmt.Sprintf("%02x", i%256), 64)
		txs = append(txs, fmt.Sprintf(`{"blockHash":%s,"blockNumber":"0x1234567","from":%s,"gas":"0x5208","gasPrice":"0x6fc23ac00","maxFeePerGas":"0x77359400","maxPriorityFeePerGas":"0x3b9aca00","hash":%s,"input":"%s","nonce":"0x%x","to":%s,"transactionIndex":"0x%x","value":"0x%x","type":"0x2","accessList":[],"chainId":"0x1","v":"0x1","r":%s,"s":%s,"yParity":"0x1"}`,
			bh, addr(i), hash(i), input, i, addr(i+1), i, i*1000, hash(i+5000), hash(i+6000)))
		var logs []string
		for range 2 + i%2 + (i%4)/3 {
			if logIndex >= 500 {
				break
			}
			logs = append(logs, fmt.Sprintf(`{"address":%s,"topics":[%s,%s,%s],"data":"0x%064x","blockNumber":"0x1234567","transactionHash":%s,"transactionIndex":"0x%x","blockHash":%s,"logIndex":"0x%x","removed":false}`,
				addr(i+7), hash(logIndex+1000), hash(logIndex+2000), hash(logIndex+3000), logIndex, hash(i), i, bh, logIndex))
			logIndex++
		}
		rcpts = append(rcpts, fmt.Sprintf(`{"blockHash":%s,"blockNumber":"0x1234567","contractAddress":null,"cumulativeGasUsed":"0x%x","effectiveGasPrice":"0x6fc23ac00","from":%s,"gasUsed":"0x5208","logs":[%s],"logsBloom":"0x%s","status":"0x1","to":%s,"transactionHash":%s,"transactionIndex":"0x%x","type":"0x2"}`,
			bh, 21000*(i+1), addr(i), strings.Join(logs, ","), strings.Repeat("0", 512), addr(i+1), hash(i), i))
	}
	block := fmt.Sprintf(`{"baseFeePerGas":"0x5d21dba00","difficulty":"0x0","extraData":"0x6265617665726275696c642e6f7267","gasLimit":"0x1c9c380","gasUsed":"0x1c9c000","hash":%s,"logsBloom":"0x%s","miner":%s,"mixHash":%s,"nonce":"0x0000000000000000","number":"0x1234567","parentHash":%s,"receiptsRoot":%s,"sha3Uncles":%s,"size":"0x2a7b1","stateRoot":%s,"timestamp":"0x6543a1b0","transactions":[%s],"transactionsRoot":%s,"uncles":[],"withdrawals":[],"withdrawalsRoot":%s}`,
		bh, strings.Repeat("f", 512), addr(1), hash(1), hash(999998), hash(2), hash(3), hash(4), strings.Join(txs, ","), hash(5), hash(6))
	return []byte(`[{"jsonrpc":"2.0","id":1,"result":` + block + `},{"jsonrpc":"2.0","id":2,"result":[` + strings.Join(rcpts, ",") + `]}]`)
}

type rpcAnswer struct {
	Version string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Error   json.RawMessage `json:"error"`
	Result  json.RawMessage `json:"result"`
}

// BenchmarkMainnetAnswer decodes a mainnet-sized answer (a block with 200
// transactions and its receipts with 500 logs, ≈ 670 KB) into the wire
// types as go-ethereum's client does (the batch envelope into
// json.RawMessage, then each result, both with encoding/json) and as our
// transport does (decodeBatch: one pass of go-json-experiment/json), and
// converts the wire types to records (toBlock, the same after either).
func BenchmarkMainnetAnswer(b *testing.B) {
	body := mainnetAnswer()
	b.Run("geth-client", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var msgs []rpcAnswer
			if err := json.Unmarshal(body, &msgs); err != nil {
				b.Fatal(err)
			}
			var w wireBlock
			var rs []wireReceipt
			if err := json.Unmarshal(msgs[0].Result, &w); err != nil {
				b.Fatal(err)
			}
			if err := json.Unmarshal(msgs[1].Result, &rs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ours", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := decodeBatch(body, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	a, err := decodeBatch(body, 1)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("toBlock", func(b *testing.B) {
		for b.Loop() {
			if _, err := a.block.toBlock("eth", *a.receipts); err != nil {
				b.Fatal(err)
			}
		}
	})
}
