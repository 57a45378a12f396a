package evm

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ethereum/go-ethereum/rpc"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/internal/conformance"
	"github.com/chaintap/chaintap/internal/rpcscript"
)

// TestFetchersAgree: our transport and go-ethereum's client make the same
// block of the same answers, whichever order the node answers a batch in:
// a mainnet-sized block (200 transactions, 500 logs) and a recorded
// mainnet block with its real receipts.
func TestFetchersAgree(t *testing.T) {
	var mainnet []rpcAnswer
	if err := json.Unmarshal(mainnetAnswer(), &mainnet); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(conformance.Dir(t), "test_stream", "blocks_1755634_1755635")
	recorded := conformance.Result(t, filepath.Join(dir, "web3_response.eth_getBlockByNumber_0x1ac9f3_true.json"))
	var receipts []json.RawMessage
	for _, h := range []string{"0x2e3dcd051a91d3a694f6b8de2ac4b5fe7acdba55f58bcf8471ff00d4a430074d", "0x9a5437ec71b74ecf5930b406908ac6999966d38a86d1534b7190ece7599095eb"} {
		receipts = append(receipts, conformance.Result(t, filepath.Join(dir, "web3_response.eth_getTransactionReceipt_"+h+".json")))
	}
	recordedReceipts, _ := json.Marshal(receipts)
	for _, reverse := range []bool{false, true} {
		srv := rpcscript.Start()
		defer srv.Close()
		if reverse {
			srv.ReverseBatches()
		}
		srv.Answer("eth_chainId", nil, json.RawMessage(`"0x1"`))
		srv.Answer("eth_getBlockByNumber", []any{"0x1234567", true}, mainnet[0].Result)
		srv.Answer("eth_getBlockReceipts", []any{"0x1234567"}, mainnet[1].Result)
		srv.Answer("eth_getBlockByNumber", []any{"0x1ac9f3", true}, recorded)
		srv.Answer("eth_getBlockReceipts", []any{"0x1ac9f3"}, recordedReceipts)
		ctx := context.Background()
		fast, err := Dial(ctx, Config{Chain: "eth", URL: srv.URL}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer fast.Close()
		if fast.fetcher == nil {
			t.Fatal("a node over HTTP is not fetched through our transport")
		}
		cl, err := rpc.DialHTTP(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		slow := New(cl, Config{Chain: "eth"}, nil, nil)
		defer slow.Close()
		for _, n := range []uint64{0x1234567, 0x1ac9f3} {
			want, err := slow.EVMBlockByNumber(ctx, n)
			if err != nil {
				t.Fatal(err)
			}
			got, err := fast.EVMBlockByNumber(ctx, n)
			if err != nil {
				t.Fatalf("reverse=%v block %d: %v", reverse, n, err)
			}
			if len(got.Transactions) == 0 || !reflect.DeepEqual(got, want) {
				t.Fatalf("reverse=%v block %d: our transport made a different block (%d txs, %d logs) than go-ethereum's client (%d txs, %d logs)",
					reverse, n, len(got.Transactions), len(got.Logs), len(want.Transactions), len(want.Logs))
			}
		}
	}
}

// TestFetchAnswersThatDoNotFit: what the transport makes of answers that
// are not a block's batch answer, each classified as retry expects.
func TestFetchAnswersThatDoNotFit(t *testing.T) {
	block := `{"number":"0x10","hash":"0xaa","parentHash":"0xbb","transactions":[]}`
	for _, c := range []struct {
		name, body string
		status     int
		want       func(error) bool
		class      errClass
	}{
		{"node down", "bad gateway", 502, func(err error) bool { var h rpc.HTTPError; return errors.As(err, &h) && h.StatusCode == 502 }, classTransient},
		{"batch refused", `{"jsonrpc":"2.0","id":null,"error":{"code":-32005,"message":"limit exceeded"}}`, 200,
			func(err error) bool { var e rpc.Error; return errors.As(err, &e) && e.ErrorCode() == -32005 }, classTransient},
		{"one answer", `[{"jsonrpc":"2.0","id":1,"result":` + block + `}]`, 200, isMalformed, classWrong},
		{"wrong ids", `[{"jsonrpc":"2.0","id":7,"result":` + block + `},{"jsonrpc":"2.0","id":8,"result":[]}]`, 200, isMalformed, classWrong},
		{"duplicate field", `[{"jsonrpc":"2.0","id":1,"result":{"number":"0x10","number":"0x11","hash":"0xaa","parentHash":"0xbb","transactions":[]}},{"jsonrpc":"2.0","id":2,"result":[]}]`, 200, isMalformed, classWrong},
		{"invalid UTF-8", "[{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{\"number\":\"0x10\",\"hash\":\"0xa\xff\",\"parentHash\":\"0xbb\",\"transactions\":[]}},{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":[]}]", 200, isMalformed, classWrong},
		{"truncated", `[{"jsonrpc":"2.0","id":1,"result":` + block[:20], 200, isMalformed, classWrong},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(c.status)
				_, _ = w.Write([]byte(c.body))
			}))
			defer srv.Close()
			f := &blockFetcher{url: srv.URL, client: srv.Client()}
			_, err := f.fetch(context.Background(), "eth_getBlockByNumber", "0x10")
			if err == nil || !c.want(err) {
				t.Fatalf("err = %v", err)
			}
			if class, _ := classify(err); class != c.class {
				t.Fatalf("%v classified %v, want %v", err, class, c.class)
			}
		})
	}
}

func isMalformed(err error) bool { return errors.Is(err, chaintap.ErrMalformed) }
