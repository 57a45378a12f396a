package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/battery"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/evm"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/kafka"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// TestUpDemo runs `chaintap up` as a user would (a subprocess, free ports,
// a temp data dir): battery events must arrive decoded in devchain.events;
// stopped with Ctrl-C and started again, it continues from its cursor.
func TestUpDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs chaintap up")
	}
	bin := binary(t)
	dir := t.TempDir()
	kafkaAddr, rpcAddr, httpAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	kcfg := kafka.Config{Brokers: []string{kafkaAddr}}
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "up", "--data-dir", dir, "--kafka-addr", kafkaAddr, "--rpc-addr", rpcAddr,
			"--http-addr", httpAddr, "--block-interval", "100ms", "--log-level", "warn")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	stop := func(cmd *exec.Cmd) {
		_ = cmd.Process.Signal(syscall.SIGINT)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("chaintap up did not stop cleanly: %v", err)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatal("chaintap up did not stop within 30s of Ctrl-C")
		}
	}

	cmd := start()
	seen := map[string]bool{}
	ingesttest.WaitFor(t, 60*time.Second, "decoded battery events in devchain.events", func() bool {
		_ = kafka.ReadTopic(context.Background(), kcfg, "devchain.events", 0, func(r *kgo.Record) error {
			var ev chaintap.Event
			if r.Value != nil && json.Unmarshal(r.Value, &ev) == nil && ev.ContractName == "BatteryRegistry" {
				seen[ev.EventName] = true
			}
			return nil
		})
		return seen["BatteryRegistered"] && seen["ChargeRecorded"]
	})
	checkAPI(t, "http://"+httpAddr)

	before, err := kafka.ReadCursor(context.Background(), kcfg, "devchain")
	if err != nil || before == nil {
		t.Fatalf("cursor: %v", err)
	}
	stop(cmd)
	prev, _ := before.Head()

	cmd = start()
	defer stop(cmd)
	var cur *chaintap.Cursor
	ingesttest.WaitFor(t, 60*time.Second, "the second run to go past block "+ingesttest.Itoa(prev.Number), func() bool {
		c, err := kafka.ReadCursor(context.Background(), kcfg, "devchain")
		if err != nil || c == nil {
			return false
		}
		h, _ := c.Head()
		cur = c
		return h.Number > prev.Number+5 && c.Confirmed > prev.Number
	})
	src, err := evm.Dial(context.Background(), evm.Config{Chain: "devchain", URL: "ws://" + rpcAddr}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	// Across the restart, every block once, in order, in the confirmed view.
	ingesttest.CheckConfirmed(t, kcfg, kafka.TopicsFor("", "devchain"), src, 0, cur.Confirmed)
}

func call(t *testing.T, method, url, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// checkAPI looks a battery up, locks it through the API and waits for
// "blocked: true" to come back through Kafka into the table; and checks
// that bad requests get a 4xx with a JSON error.
func checkAPI(t *testing.T, base string) {
	t.Helper()
	resp, err := http.Get(base + "/")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("page: %v %v", resp, err)
	}
	resp.Body.Close()
	var rows []battery.Status
	ingesttest.WaitFor(t, 30*time.Second, "the battery table", func() bool {
		r, err := http.Get(base + "/api/batteries")
		if err != nil {
			return false
		}
		defer r.Body.Close()
		_ = json.NewDecoder(r.Body).Decode(&rows)
		return len(rows) == devchain.FleetBatteries
	})
	var id string
	for _, r := range rows {
		if !r.Blocked {
			id = r.ID
			break
		}
	}
	if code, m := call(t, "GET", base+"/api/batteries/"+id, ""); code != 200 || m["year_built"] == nil {
		t.Fatalf("lookup: %d %v", code, m)
	}
	stranger := crypto.PubkeyToAddress(devchain.DevKeys("chaintap devchain", 10)[3].PublicKey).Hex()
	if code, m := call(t, "POST", base+"/api/batteries/"+id+"/lock", `{"from":"`+stranger+`"}`); code != 403 || !strings.Contains(fmt.Sprint(m["error"]), "owner") {
		t.Fatalf("lock by a stranger: %d %v", code, m)
	}
	if code, m := call(t, "POST", base+"/api/batteries/"+id+"/lock", ""); code != 202 {
		t.Fatalf("lock: %d %v", code, m)
	}
	ingesttest.WaitFor(t, 30*time.Second, "blocked: true in the table", func() bool {
		_, m := call(t, "GET", base+"/api/batteries/"+id, "")
		return m["blocked"] == true
	})
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/batteries/0x0000000000000000000000000000000000000bad", 404},
		{"GET", "/api/batteries/not-an-address", 400},
		{"POST", "/api/batteries/0x12/lock", 400},
		{"POST", "/api/batteries/0x0000000000000000000000000000000000000bad/lock", 404},
	} {
		code, m := call(t, c.method, base+c.path, "")
		if code != c.status || m["error"] == nil {
			t.Errorf("%s %s: %d %v, want %d with a JSON error", c.method, c.path, code, m, c.status)
		}
	}
}
