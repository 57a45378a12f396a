package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"

	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/kafka"
)

// TestGatewayHelpTeaches: --help explains the request shape and the
// guarantees and shows a working example.
func TestGatewayHelpTeaches(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"gateway", "--help"}, &out, &errOut, func(string) (string, bool) { return "", false })
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	for _, want := range []string{"Idempotency-Key", "POST /api/tx", "tx.requests", "tx.receipts", "nonce", "Examples:", "passphrase_env", "--gateway-config"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--help does not mention %q:\n%s", want, out.String())
		}
	}
}

// TestGatewayCommandSends: chaintap gateway with a key from the
// environment, against a devchain over HTTP and the embedded broker: a
// POST is accepted, GET follows it to confirmed, and a bad token is 401.
func TestGatewayCommandSends(t *testing.T) {
	c, err := devchain.Start(devchain.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for ctx.Err() == nil {
			c.Commit()
			time.Sleep(100 * time.Millisecond)
		}
	}()
	defer func() { cancel(); wg.Wait() }()

	dir := t.TempDir()
	file := filepath.Join(dir, "gateway.yaml")
	yaml := "senders:\n  - name: ops\n    key_env: OPS_KEY\ntokens:\n  - name: ci\n    secret_env: CI_TOKEN\n    senders: [ops]\n    contracts: [\"*\"]\nconfirmations: 2\npoll_interval: 50ms\n"
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"OPS_KEY": hex.EncodeToString(crypto.FromECDSA(c.Keys()[0])), "CI_TOKEN": "ci-token-0123456789abcdef"}
	addr := freeAddr(t)
	var out lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"gateway", "--gateway-config", file, "--url", c.HTTPURL(), "--brokers", b.Addr(), "--addr", addr},
			&out, &out, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	}()
	body := `{"from":"ops","to":"0x00000000000000000000000000000000000000aa","value":"5"}`
	var id string
	deadline := time.Now().Add(60 * time.Second)
	for id == "" {
		status, answer := gatewayCall(t, http.MethodPost, "http://"+addr+"/api/tx", env["CI_TOKEN"], "first", body)
		switch {
		case status == http.StatusAccepted:
			id, _ = answer["id"].(string)
		case time.Now().After(deadline):
			t.Fatalf("POST never accepted: %d %v\n%s", status, answer, out.String())
		default:
			select {
			case code := <-done:
				t.Fatalf("gateway exited %d:\n%s", code, out.String())
			case <-time.After(200 * time.Millisecond):
			}
		}
	}
	for {
		status, answer := gatewayCall(t, http.MethodGet, "http://"+addr+"/api/tx/"+id, env["CI_TOKEN"], "", "")
		if status == http.StatusOK && answer["status"] == "confirmed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET: %d %v\n%s", status, answer, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if status, answer := gatewayCall(t, http.MethodPost, "http://"+addr+"/api/tx", "wrong-token", "second", body); status != http.StatusUnauthorized {
		t.Fatalf("a wrong token: %d %v", status, answer)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d:\n%s", code, out.String())
	}
	if strings.Contains(out.String(), env["OPS_KEY"]) || strings.Contains(out.String(), env["CI_TOKEN"]) {
		t.Fatalf("a secret was printed:\n%s", out.String())
	}
}

func gatewayCall(t *testing.T, method, url, token, key, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}
