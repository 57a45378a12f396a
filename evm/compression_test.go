package evm_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/chaintap/chaintap/evm"
)

// TestCompressionFollowsWhereTheNodeIs: by default a node on this machine
// is asked for uncompressed answers (compressing costs it more than it
// saves on a loopback socket), and the setting overrides that.
func TestCompressionFollowsWhereTheNodeIs(t *testing.T) {
	var mu sync.Mutex
	var accepted []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		accepted = append(accepted, r.Header.Get("Accept-Encoding"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"jsonrpc":"2.0","id":1,"result":"0x1"}`))
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for _, tc := range []struct {
		url, setting string
		gzip         bool
	}{
		{srv.URL, "", false},
		{"http://localhost:" + port, evm.CompressionAuto, false},
		{srv.URL, evm.CompressionGzip, true},
		{srv.URL, evm.CompressionNone, false},
	} {
		accepted = nil
		src, err := evm.Dial(context.Background(), evm.Config{Chain: "c", URL: tc.url, Compression: tc.setting}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		src.Close()
		mu.Lock()
		got := strings.Join(accepted, ",")
		mu.Unlock()
		if strings.Contains(got, "gzip") != tc.gzip {
			t.Errorf("%s with compression %q: Accept-Encoding %q, want gzip=%v", tc.url, tc.setting, got, tc.gzip)
		}
	}
}

func TestIsLocal(t *testing.T) {
	for url, want := range map[string]bool{
		"http://127.0.0.1:8545":    true,
		"http://127.0.0.2:8545":    true,
		"ws://localhost:8546":      true,
		"http://[::1]:8545":        true,
		"http://10.0.0.5:8545":     false,
		"https://node.example":     false,
		"wss://localhost.example/": false,
		"::not a url":              false,
	} {
		if got := evm.IsLocal(url); got != want {
			t.Errorf("IsLocal(%q) = %v, want %v", url, got, want)
		}
	}
}
