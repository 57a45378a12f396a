package evm

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/chaintap/chaintap/internal/conformance"
)

// BenchmarkDecodeBlock measures turning a recorded mainnet block with
// its receipts into the domain's records (the decode share of ingest).
func BenchmarkDecodeBlock(b *testing.B) {
	dir := filepath.Join(conformance.Dir(b), "test_stream", "blocks_1755634_1755635")
	read := func(name string) json.RawMessage { return conformance.Result(b, filepath.Join(dir, name)) }
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
