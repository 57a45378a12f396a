package evm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/evm"
	"github.com/chaintap/chaintap/internal/conformance"
	"github.com/chaintap/chaintap/internal/rpcscript"
)

var fastRetry = evm.RetryPolicy{Initial: time.Millisecond, Max: 5 * time.Millisecond, NotFound: 3, Wrong: 3}

func dial(t *testing.T, url string) (*evm.Source, *evm.Metrics) {
	t.Helper()
	m := evm.NewMetrics(nil)
	s, err := evm.Dial(context.Background(), evm.Config{Chain: "eth", URL: url, Retry: fastRetry}, nil, m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, m
}

// mainnetServer serves the recorded answers for block 1755635 (two
// transactions, two logs) as a node without eth_getBlockReceipts.
func mainnetServer(t *testing.T) *rpcscript.Server {
	dir := filepath.Join(conformance.Dir(t), "test_stream", "blocks_1755634_1755635")
	srv := rpcscript.Start()
	t.Cleanup(srv.Close)
	srv.Answer("eth_chainId", nil, json.RawMessage(`"0x1"`))
	srv.Answer("eth_getBlockByNumber", []any{"0x1ac9f3", true}, conformance.Result(t, filepath.Join(dir, "web3_response.eth_getBlockByNumber_0x1ac9f3_true.json")))
	for _, h := range []string{"0x2e3dcd051a91d3a694f6b8de2ac4b5fe7acdba55f58bcf8471ff00d4a430074d", "0x9a5437ec71b74ecf5930b406908ac6999966d38a86d1534b7190ece7599095eb"} {
		srv.Answer("eth_getTransactionReceipt", []any{h}, conformance.Result(t, filepath.Join(dir, "web3_response.eth_getTransactionReceipt_"+h+".json")))
	}
	return srv
}

func TestBlockFromRecordedMainnetAnswers(t *testing.T) {
	srv := mainnetServer(t)
	src, _ := dial(t, srv.URL)
	b, err := src.EVMBlockByNumber(context.Background(), 1755635)
	if err != nil {
		t.Fatal(err)
	}
	if b.Hash != "0x1dec87ec1ba8e65b7773bb6f62249468948a28a427efd3d896a2ff7d7c591a67" || len(b.Transactions) != 2 || len(b.Logs) != 2 {
		t.Fatalf("block %d %s: %d txs, %d logs", b.Number, b.Hash, len(b.Transactions), len(b.Logs))
	}
	tx := b.Transactions[0]
	if tx.ReceiptGasUsed != 36418 || *tx.ReceiptEffectiveGasPrice != "20000000000" || *tx.ReceiptRoot != "0x4db3f06ff4e7283ab1187045ca78f4bd713b0737640180377b4d4a2e9a80c235" || tx.ReceiptStatus != nil {
		t.Fatalf("receipt fields not joined: %+v", tx)
	}
	if l := b.Logs[1]; l.TransactionHash != tx.Hash || l.TxLogPosition != 1 || l.LogIndex != 1 {
		t.Fatalf("log = %+v", l)
	}
	// The node lacks eth_getBlockReceipts: one try, then batched receipts.
	if srv.Calls("eth_getBlockReceipts") != 1 || srv.Calls("eth_getTransactionReceipt") != 2 {
		t.Fatalf("calls: getBlockReceipts %d, getTransactionReceipt %d", srv.Calls("eth_getBlockReceipts"), srv.Calls("eth_getTransactionReceipt"))
	}
	if _, err := src.BlockByNumber(context.Background(), 1755635); err != nil {
		t.Fatal(err)
	}
	if srv.Calls("eth_getBlockReceipts") != 1 {
		t.Fatal("eth_getBlockReceipts was tried again after the node said it lacks it")
	}
}

func TestBadAnswersGiveClearErrors(t *testing.T) {
	good := `{"number":"0x10","hash":"0x%s","parentHash":"0x%s","transactions":[%s]}`
	hash := strings.Repeat("ab", 32)
	txA := `{"hash":"0x` + strings.Repeat("0a", 32) + `","from":"0x01","value":"0x0","gas":"0x5208","nonce":"0x0","input":"0x","transactionIndex":"0x0"}`
	for _, tc := range []struct {
		name     string
		block    string
		receipts string
		want     error
		mention  string
	}{
		{"hash is not hex", fmt.Sprintf(good, "zz", hash, ""), "", chaintap.ErrMalformed, "block hash"},
		{"number is not a quantity", `{"number":"ten","hash":"0x` + hash + `"}`, "", chaintap.ErrMalformed, "number"},
		{"block is not an object", `[1,2,3]`, "", chaintap.ErrMalformed, "block"},
		{"receipts of another transaction", fmt.Sprintf(good, hash, hash, txA),
			`[{"transactionHash":"0x` + strings.Repeat("0b", 32) + `","blockHash":"0x` + hash + `","logs":[]}]`, chaintap.ErrInconsistent, "receipt 0 is for transaction"},
		{"receipts are not a list", fmt.Sprintf(good, hash, hash, txA), `{"logs":[]}`, chaintap.ErrMalformed, "receipts of block 16"},
		{"fewer receipts than transactions", fmt.Sprintf(good, hash, hash, txA), `[]`, chaintap.ErrInconsistent, "1 transactions but 0 receipts"},
		{"receipt from another block", fmt.Sprintf(good, hash, hash, txA),
			`[{"transactionHash":"0x` + strings.Repeat("0a", 32) + `","blockHash":"0x` + strings.Repeat("cd", 32) + `","logs":[]}]`, chaintap.ErrInconsistent, "belongs to block"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := rpcscript.Start()
			defer srv.Close()
			srv.Answer("eth_chainId", nil, json.RawMessage(`"0x1"`))
			srv.Answer("eth_getBlockByNumber", []any{"0x10", true}, json.RawMessage(tc.block))
			srv.Answer("eth_getBlockReceipts", []any{"0x10"}, json.RawMessage(tc.receipts))
			src, m := dial(t, srv.URL)
			_, err := src.BlockByNumber(context.Background(), 16)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.mention) || !strings.Contains(err.Error(), "block 16") {
				t.Fatalf("err = %v, want %v mentioning %q and the block", err, tc.want, tc.mention)
			}
			if m.RetriesTotal("eth") == 0 {
				t.Fatal("a wrong answer was not retried before giving up")
			}
		})
	}
}

func TestUnreachableNode(t *testing.T) {
	_, err := evm.Dial(context.Background(), evm.Config{Chain: "eth", URL: "http://127.0.0.1:1"}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "http://127.0.0.1:1") || !strings.Contains(err.Error(), "chain eth") {
		t.Fatalf("err = %v, want one naming the URL and the chain", err)
	}
}

// TestMethodNotSupportedFallsBack: a node that answers
// eth_getBlockReceipts with EIP-1474's "method not supported" (-32004),
// whatever its message says, gets its receipts fetched one by one.
func TestMethodNotSupportedFallsBack(t *testing.T) {
	srv := mainnetServer(t)
	srv.Fail("eth_getBlockReceipts", -32004, "this node keeps no such index")
	src, _ := dial(t, srv.URL)
	b, err := src.EVMBlockByNumber(context.Background(), 1755635)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Transactions) != 2 || srv.Calls("eth_getTransactionReceipt") != 2 {
		t.Fatalf("%d transactions, %d receipt calls", len(b.Transactions), srv.Calls("eth_getTransactionReceipt"))
	}
}
