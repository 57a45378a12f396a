package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/chaintap/chaintap/config"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/internal/testseed"
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

// TestGatewaySurvivesKill kills `chaintap gateway` with SIGKILL at random
// moments (seeded) while clients POST requests and retry, with the same
// idempotency key, whatever got no answer; after the last restart every
// request is confirmed and the chain holds exactly one transaction per
// request, nonces contiguous per sender.
func TestGatewaySurvivesKill(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a subprocess")
	}
	seed := testseed.Seed(t)
	rng := rand.New(rand.NewPCG(seed, seed))
	bin := binary(t)
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
	defer cancel()
	go func() {
		for ctx.Err() == nil {
			c.Commit()
			time.Sleep(100 * time.Millisecond)
		}
	}()
	const senders, perSender, kills = 3, 100, 8
	file := filepath.Join(t.TempDir(), "gateway.yaml")
	yaml := "tokens:\n  - {name: ci, secret_env: CI_TOKEN, senders: [\"*\"], contracts: [\"*\"]}\nconfirmations: 2\npoll_interval: 50ms\nresubmit_after: 2s\nsenders:\n"
	env := append(os.Environ(), "CI_TOKEN=ci-token-0123456789abcdef")
	for i := range senders {
		yaml += fmt.Sprintf("  - {name: s%d, key_env: KEY%d}\n", i, i)
		env = append(env, fmt.Sprintf("KEY%d=%x", i, crypto.FromECDSA(c.Keys()[i])))
	}
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "gateway", "--gateway-config", file, "--url", c.HTTPURL(), "--brokers", b.Addr(), "--addr", addr, "--log-level", "warn")
		cmd.Env, cmd.Stderr = env, os.Stderr
		dieWithTest(cmd)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	var mu sync.Mutex
	ids := map[string]string{} // key → request id, once a POST was answered
	post := func(key string, s, i int) {
		body := fmt.Sprintf(`{"from":"s%d","to":"0x00000000000000000000000000000000000000aa","value":"%d"}`, s, 1+i)
		status, answer := gatewayCall(t, http.MethodPost, "http://"+addr+"/api/tx", "ci-token-0123456789abcdef", key, body)
		if status == http.StatusAccepted || status == http.StatusOK {
			mu.Lock()
			ids[key], _ = answer["id"].(string)
			mu.Unlock()
		}
	}
	postAll := func(stop <-chan struct{}) {
		var wg sync.WaitGroup
		for s := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range perSender {
					key := fmt.Sprintf("kill-s%d-%d", s, i)
					mu.Lock()
					_, done := ids[key]
					mu.Unlock()
					select {
					case <-stop:
						return
					default:
					}
					if !done {
						post(key, s, i)
					}
				}
			}()
		}
		wg.Wait()
	}
	for k := range kills + 1 {
		cmd := start()
		began := time.Now()
		waitUp(t, addr)
		t.Logf("run %d: up after %v", k, time.Since(began))
		stop := make(chan struct{})
		finished := make(chan struct{})
		go func() { postAll(stop); close(finished) }()
		if k < kills {
			time.Sleep(time.Duration(100+rng.IntN(400)) * time.Millisecond)
			_ = cmd.Process.Signal(syscall.SIGKILL)
			_ = cmd.Wait()
			close(stop)
			<-finished
			t.Logf("run %d: killed after %v, %d requests answered", k, time.Since(began), len(ids))
			continue
		}
		<-finished
		t.Logf("run %d: every request answered after %v", k, time.Since(began))
		defer func() {
			stopped := time.Now()
			_ = cmd.Process.Signal(syscall.SIGINT)
			_ = cmd.Wait()
			t.Logf("stopped in %v", time.Since(stopped))
		}()
	}
	if len(ids) != senders*perSender {
		t.Fatalf("%d of %d requests accepted", len(ids), senders*perSender)
	}
	deadline := time.Now().Add(2 * time.Minute)
	waitStart := time.Now()
	for key, id := range ids {
		kb := time.Now()
		for {
			status, answer := gatewayCall(t, http.MethodGet, "http://"+addr+"/api/tx/"+id, "ci-token-0123456789abcdef", "", "")
			if status == http.StatusOK && answer["status"] == "confirmed" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: %d %v", key, status, answer)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if d := time.Since(kb); d > time.Second {
			_, answer := gatewayCall(t, http.MethodGet, "http://"+addr+"/api/tx/"+id, "ci-token-0123456789abcdef", "", "")
			t.Logf("%s waited %v: %v", key, d, answer)
		}
	}
	t.Logf("all confirmed after %v", time.Since(waitStart))
	head, err := c.Client().BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	signer := types.LatestSignerForChainID(big.NewInt(devchain.ChainID))
	nonces := map[common.Address][]uint64{}
	for n := uint64(1); n <= head; n++ {
		blk, err := c.Client().BlockByNumber(ctx, new(big.Int).SetUint64(n))
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range blk.Transactions() {
			from, _ := types.Sender(signer, tx)
			nonces[from] = append(nonces[from], tx.Nonce())
		}
	}
	for i := range senders {
		got := nonces[crypto.PubkeyToAddress(c.Keys()[i].PublicKey)]
		if len(got) != perSender {
			t.Fatalf("s%d: %d transactions on chain for %d requests", i, len(got), perSender)
		}
		for j, n := range got {
			if n != uint64(j) {
				t.Fatalf("s%d: nonces on chain %v", i, got)
			}
		}
	}
	t.Logf("%d requests from %d senders across %d kills: each mined once", senders*perSender, senders, kills)
}

// waitUp waits until the gateway at addr answers.
func waitUp(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if status, _ := gatewayCall(t, http.MethodGet, "http://"+addr+"/api/tx/none", "ci-token-0123456789abcdef", "", ""); status == http.StatusNotFound {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the gateway never answered")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestGatewayConfirmationsFollowTheChain: without confirmations in the
// gateway file, a request is confirmed as deep as the chain's follower
// confirms blocks; the file's value wins when it is given.
func TestGatewayConfirmationsFollowTheChain(t *testing.T) {
	dir := t.TempDir()
	three := uint64(3)
	cfg := config.Config{Chains: []config.Chain{{Name: "l1", URL: "http://127.0.0.1:1", Confirmations: &three}}}
	env := &env{getenv: func(k string) (string, bool) { return "00" + strings.Repeat("11", 31), k == "OPS_KEY" }}
	for _, c := range []struct {
		file string
		want uint64
	}{
		{"senders:\n  - name: ops\n    key_env: OPS_KEY\n", 3},
		{"senders:\n  - name: ops\n    key_env: OPS_KEY\nconfirmations: 9\n", 9},
	} {
		file := filepath.Join(dir, "gateway.yaml")
		if err := os.WriteFile(file, []byte(c.file), 0o600); err != nil {
			t.Fatal(err)
		}
		gcfg, _, err := env.gatewayConfig(cfg, file, "", "")
		if err != nil || gcfg.Confirmations != c.want {
			t.Errorf("%q: confirmations %d, %v; want %d", c.file, gcfg.Confirmations, err, c.want)
		}
	}
}
