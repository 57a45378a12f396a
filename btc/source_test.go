package btc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/internal/rpcscript"
)

const (
	hashA = "000000001c920d495e1eeef2452b6d1c6c229a919b28196c103ecffebabee141"
	hashB = "000000002066d7f9b134c30b5005b7bf5fbfa52f279883f1fde793dcdc964266"
	prev  = "000000001aeae195809d120b5d66a39c83eb48792e068f8ea1fea19d84a4278a"
	txA   = "e1882d41800d96d0fddc196cd8d3f0b45d65b030c652d97eaba79a1174e64d58"
)

// block is a verbosity-2 answer with one coinbase paying value.
func block(hash string, height int, value string) json.RawMessage {
	return json.RawMessage(`{"hash":"` + hash + `","height":` + itoa(height) + `,"previousblockhash":"` + prev + `","size":200,"version":1,
	"merkleroot":"ee","time":1,"nonce":255,"bits":"1d00ffff","nTx":1,"tx":[{"txid":"` + txA + `","size":100,"vsize":100,"version":1,"locktime":0,
	"vin":[{"coinbase":"04ff","sequence":4294967295}],"vout":[{"value":` + value + `,"n":0,"scriptPubKey":{"asm":"a","hex":"51","type":"nonstandard"}}]}]}`)
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func quickSource(url string, auth Auth) *Source {
	return New(Config{Chain: "t", URL: url, Auth: auth, Retry: RetryPolicy{Initial: 1, Max: 1, NotFound: 3, Wrong: 3}}, nil, nil)
}

// TestBadAnswersAreTypedErrors: an answer about another block than the
// one asked for is ErrInconsistent, an amount finer than a satoshi
// ErrMalformed, a height the node does not have ErrNotFound; each after
// the bounded retries, naming what was fetched.
func TestBadAnswersAreTypedErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		height int
		block  json.RawMessage
		want   error
	}{
		{"another height", 7, block(hashA, 8, "50"), chaintap.ErrInconsistent},
		{"finer than a satoshi", 7, block(hashA, 7, "0.000000001"), chaintap.ErrMalformed},
		{"a bad hash", 7, block("zz", 7, "50"), chaintap.ErrMalformed},
		{"not there", 9, nil, chaintap.ErrNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv := rpcscript.Start()
			defer srv.Close()
			srv.Answer("getblockhash", []any{7}, json.RawMessage(`"`+hashA+`"`))
			srv.Refuse("getblockhash", []any{9}, -8, "Block height out of range")
			if c.block != nil {
				srv.Answer("getblock", []any{hashA, 2}, c.block)
			}
			_, err := quickSource(srv.URL, Auth{}).BlockByNumber(context.Background(), uint64(c.height))
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), "fetching block") {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if !errors.Is(c.want, chaintap.ErrNotFound) && srv.Calls("getblock") != 3 {
				t.Fatalf("getblock called %d times, want 3 (the bound)", srv.Calls("getblock"))
			}
		})
	}
}

// TestSpentOutputOfAnotherTransaction: a getrawtransaction answer for
// another txid than asked is ErrInconsistent.
func TestSpentOutputOfAnotherTransaction(t *testing.T) {
	srv := rpcscript.Start()
	defer srv.Close()
	spender := strings.Replace(string(block(hashA, 7, "50")), `"vin":[{"coinbase":"04ff","sequence":4294967295}]`,
		`"vin":[{"txid":"`+hashB+`","vout":0,"scriptSig":{"asm":"","hex":""},"sequence":1}]`, 1)
	srv.Answer("getblockhash", []any{7}, json.RawMessage(`"`+hashA+`"`))
	srv.Answer("getblock", []any{hashA, 2}, json.RawMessage(spender))
	srv.Answer("getrawtransaction", []any{hashB, 1}, json.RawMessage(`{"txid":"`+prev+`","vout":[]}`))
	_, err := quickSource(srv.URL, Auth{}).BlockByNumber(context.Background(), 7)
	if !errors.Is(err, chaintap.ErrInconsistent) {
		t.Fatalf("err = %v, want ErrInconsistent", err)
	}
}

// TestCookieFileIsReadAgainAfterALoginFails: Bitcoin Core writes a new
// cookie at every start; the source reads it again when the node refuses
// the old one, and wrong credentials are a permanent error.
func TestCookieFileIsReadAgainAfterALoginFails(t *testing.T) {
	srv := rpcscript.Start()
	defer srv.Close()
	srv.Answer("getblockcount", nil, json.RawMessage(`7`))
	target, _ := url.Parse(srv.URL)
	var password atomic.Value
	password.Store("one")
	node := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != "__cookie__" || p != password.Load() {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		httputil.NewSingleHostReverseProxy(target).ServeHTTP(w, r)
	}))
	defer node.Close()
	cookie := filepath.Join(t.TempDir(), ".cookie")
	write := func(p string) {
		if err := os.WriteFile(cookie, []byte("__cookie__:"+p), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("one")
	src := quickSource(node.URL, Auth{CookieFile: cookie})
	if n, err := src.HeadNumber(context.Background()); err != nil || n != 7 {
		t.Fatalf("HeadNumber = %d, %v", n, err)
	}
	password.Store("two") // the node restarted
	write("two")
	if n, err := src.HeadNumber(context.Background()); err != nil || n != 7 {
		t.Fatalf("after the node's restart: HeadNumber = %d, %v", n, err)
	}
	password.Store("three") // a cookie we cannot read
	var httpErr *HTTPError
	if _, err := src.HeadNumber(context.Background()); !errors.As(err, &httpErr) || httpErr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("with a stale cookie: err = %v, want HTTP 401", err)
	}
}

// TestWarmingUpIsNotALackOfVerbosity2: a node still loading (-28) is
// waited for; it does not make the source fall back to verbosity 1 for
// good.
func TestWarmingUpIsNotALackOfVerbosity2(t *testing.T) {
	srv := rpcscript.Start()
	defer srv.Close()
	srv.Answer("getblockhash", []any{7}, json.RawMessage(`"`+hashA+`"`))
	srv.Answer("getblock", []any{hashA, 2}, block(hashA, 7, "50"))
	target, _ := url.Parse(srv.URL)
	var warming atomic.Int32
	warming.Store(2)
	node := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if strings.Contains(string(body), `"getblock"`) && warming.Add(-1) >= 0 {
			w.WriteHeader(http.StatusInternalServerError) // as Core answers an error
			_, _ = w.Write([]byte(`{"result":null,"error":{"code":-28,"message":"Loading block index..."},"id":1}`))
			return
		}
		httputil.NewSingleHostReverseProxy(target).ServeHTTP(w, r)
	}))
	defer node.Close()
	src := quickSource(node.URL, Auth{})
	if _, err := src.BlockByNumber(context.Background(), 7); err != nil {
		t.Fatal(err)
	}
	if v := src.verbosity2.Load(); v != 1 || warming.Load() >= 0 {
		t.Fatalf("verbosity2 = %d after a node warming up (%d warm-up answers left), want 1", v, warming.Load())
	}
}

// TestANodeThatStopsAnsweringIsRetried: a node that takes a request and
// never answers (a stuck bitcoind, a half-open connection) costs one
// CallTimeout per attempt, and the attempt is retried, instead of holding
// the chain for ever.
func TestANodeThatStopsAnsweringIsRetried(t *testing.T) {
	var calls atomic.Int32
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		select { // never answers
		case <-r.Context().Done():
		case <-done:
		}
	}))
	defer srv.Close()
	defer close(done) // before Close, which waits for the handlers
	s := New(Config{Chain: "t", URL: srv.URL, CallTimeout: 50 * time.Millisecond,
		Retry: RetryPolicy{Initial: 1, Max: 1, NotFound: 3, Wrong: 3}}, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_, err := s.HeadNumber(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || calls.Load() < 5 {
		t.Fatalf("after 1 s: %d attempts, %v; want several attempts, each cut at 50 ms", calls.Load(), err)
	}
}
