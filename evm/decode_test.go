package evm

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkDecodeBlock measures turning a recorded mainnet block with
// its receipts into the domain's records (the decode share of ingest).
func BenchmarkDecodeBlock(b *testing.B) {
	dir := filepath.Join("..", "..", "shared", "conformance", "ethereum-etl", "test_stream", "blocks_1755634_1755635")
	if s := os.Getenv("CHAINTAP_SHARED"); s != "" {
		dir = filepath.Join(s, "conformance", "ethereum-etl", "test_stream", "blocks_1755634_1755635")
	}
	read := func(name string) json.RawMessage {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Skip("conformance corpus not found:", err)
		}
		var env struct {
			Result json.RawMessage `json:"result"`
		}
		if err := json.Unmarshal(raw, &env); err != nil {
			b.Fatal(err)
		}
		return env.Result
	}
	block := read("web3_response.eth_getBlockByNumber_0x1ac9f3_true.json")
	receipts := []json.RawMessage{
		read("web3_response.eth_getTransactionReceipt_0x2e3dcd051a91d3a694f6b8de2ac4b5fe7acdba55f58bcf8471ff00d4a430074d.json"),
		read("web3_response.eth_getTransactionReceipt_0x9a5437ec71b74ecf5930b406908ac6999966d38a86d1534b7190ece7599095eb.json"),
	}
	for b.Loop() {
		var w wireBlock
		if err := decodeResult(block, &w, "block"); err != nil {
			b.Fatal(err)
		}
		rs := make([]wireReceipt, len(receipts))
		for i, r := range receipts {
			if err := decodeResult(r, &rs[i], "receipt"); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := w.toBlock("eth", rs); err != nil {
			b.Fatal(err)
		}
	}
}
