package evm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chaintap/chaintap/internal/rpcscript"
)

// TestWrongAnswerAfterTransientFailures: the bound on wrong answers
// (RetryPolicy.Wrong, 3 here) counts wrong answers, not every failed
// attempt. A block fetch that meets four HTTP 429s and then one malformed
// answer has had one wrong answer, so it is retried and succeeds.
func TestWrongAnswerAfterTransientFailures(t *testing.T) {
	hash := strings.Repeat("ab", 32)
	node := rpcscript.Start()
	defer node.Close()
	node.Answer("eth_chainId", nil, json.RawMessage(`"0x1"`))
	node.Answer("eth_getBlockByNumber", []any{"0x10", true}, json.RawMessage(`{"number":"0x10","hash":"0x`+hash+`","parentHash":"0x`+hash+`","transactions":[]}`))
	node.Answer("eth_getBlockReceipts", []any{"0x10"}, json.RawMessage(`[]`))

	var blockRequests atomic.Int32
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n := int32(0)
		if bytes.Contains(body, []byte("eth_getBlockByNumber")) {
			n = blockRequests.Add(1)
		}
		if n >= 1 && n <= 4 {
			http.Error(w, "too many requests", http.StatusTooManyRequests)
			return
		}
		resp, err := http.Post(node.URL, "application/json", bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		if n == 5 {
			answer = bytes.Replace(answer, []byte(`"number":"0x10"`), []byte(`"number":"0xzz"`), 1)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(answer)
	}))
	defer front.Close()

	src, m := dial(t, front.URL)
	if _, err := src.BlockByNumber(context.Background(), 16); err != nil {
		t.Fatalf("after 4 transient failures and 1 wrong answer: %v", err)
	}
	if m.Retries("eth", "http_429") != 4 || m.Retries("eth", "malformed") != 1 {
		t.Fatalf("retries: %v http_429, %v malformed; want 4 and 1", m.Retries("eth", "http_429"), m.Retries("eth", "malformed"))
	}
}
