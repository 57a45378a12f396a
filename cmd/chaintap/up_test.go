package main

import (
	"context"
	"encoding/json"
	"net"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
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
	kafkaAddr, rpcAddr := freeAddr(t), freeAddr(t)
	kcfg := kafka.Config{Brokers: []string{kafkaAddr}}
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "up", "--data-dir", dir, "--kafka-addr", kafkaAddr, "--rpc-addr", rpcAddr,
			"--block-interval", "100ms", "--log-level", "warn")
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
