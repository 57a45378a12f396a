package main

import (
	"context"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/battery"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/internal/testseed"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/stream"
)

// TestProcessCrashSafety kills `chaintap process` (running the demo's
// statements) with SIGKILL at random moments, 30 times, while the chain
// grows and reorganises. Afterwards battery_status equals the canonical
// chain (every battery's charge_cycles is the number of its canonical
// charge events), and battery_events, read read_committed, holds each
// event once: no record twice, no retraction of what is not there.
func TestProcessCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a subprocess 30 times")
	}
	seed := testseed.Seed(t)
	rng := rand.New(rand.NewPCG(seed, seed))
	bin := binary(t)
	d := ingesttest.DemoChain(t, 40, 10)
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "chaintap.yaml")
	if err := os.WriteFile(cfgFile, []byte("kafka:\n  brokers: [\""+d.Kafka.Brokers[0]+"\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	sqlFile := filepath.Join(dir, "demo.sql")
	if err := os.WriteFile(sqlFile, []byte(battery.Statements), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"process", "-c", cfgFile, "-f", sqlFile, "--data-dir", filepath.Join(dir, "data"), "--instance", "crashy", "--log-level", "warn"}

	grow := make(chan error, 1)
	go func() { grow <- d.Grow(context.Background(), 150, 12) }() // the chain grows during the kills
	const kills = 30
	for range kills {
		cmd := exec.Command(bin, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(200+rng.IntN(900)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
	}
	if err := <-grow; err != nil {
		t.Fatal(err)
	}
	d.WaitCaughtUp(t)

	// The last run is let finish: it must catch up from whatever the kills
	// left. It is up (and takes Ctrl-C) once it answers on /healthz.
	ops := freeAddr(t)
	cmd := exec.Command(bin, append(args, "--metrics-addr", ops)...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	ingesttest.WaitFor(t, 30*time.Second, "the last run to serve /healthz", func() bool {
		status, err := httpGet("http://" + ops + "/healthz")
		return err == nil && status == 200
	})
	want := ingesttest.CanonicalBatteries(t, d.Kafka, "devchain")
	var diff string
	ingesttest.WaitFor(t, 2*time.Minute, "battery_status to equal the canonical chain", func() bool {
		diff = ingesttest.BatteryDiff(foldTable(t, d.Kafka, battery.StatusTopic), want)
		return diff == ""
	})
	_ = cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("last run: %v", err)
	}
	checkEventsOnce(t, d.Kafka, "BATTERY_EVENTS")
	t.Logf("%d kills; %d batteries equal the canonical chain", kills, len(want))
}

// foldTable reads a table's topic read_committed: the latest value per key.
func foldTable(t *testing.T, kcfg kafka.Config, topic string) map[string]string {
	t.Helper()
	rows, _ := readTable(t, kcfg, topic)
	return rows
}

// checkEventsOnce reads topic (demo.sql's BATTERY_EVENTS): per input id,
// upserts and retractions alternate, starting with an upsert: a record
// written twice (a replay after a crash leaking through) breaks that.
func checkEventsOnce(t *testing.T, kcfg kafka.Config, topic string) {
	t.Helper()
	live := map[string]bool{}
	n := 0
	err := kafka.ReadTopic(context.Background(), kcfg, topic, 0, func(r *kgo.Record) error {
		var id, op string
		for _, h := range r.Headers {
			switch h.Key {
			case stream.HeaderID:
				id = string(h.Value)
			case stream.HeaderOp:
				op = string(h.Value)
			}
		}
		n++
		switch {
		case id == "":
			t.Fatalf("%s offset %d has no id header", topic, r.Offset)
		case op == stream.OpRetract && !live[id]:
			t.Fatalf("%s offset %d retracts %s, which is not there", topic, r.Offset, id)
		case op != stream.OpRetract && live[id]:
			t.Fatalf("%s offset %d writes %s a second time", topic, r.Offset, id)
		}
		live[id] = op != stream.OpRetract
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("%s is empty: the check proved nothing", topic)
	}
}
