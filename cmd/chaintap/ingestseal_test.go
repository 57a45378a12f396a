package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/kafka"
)

// TestIngestSealed: `chaintap ingest` with a seal: section follows a
// devchain that reorganises; after a clean stop (Ctrl-C) every sealed
// topic with records verifies strictly with `chaintap verify`, nothing
// left unchecked, retractions included.
func TestIngestSealed(t *testing.T) {
	kcfg := ingesttest.Broker(t)
	chain, err := devchain.Start(devchain.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer chain.Close()
	dir := t.TempDir()
	key := filepath.Join(dir, "seal.key")
	code, pub, stderr := runCLI(t, "seal", "keygen", "--name", "ingest-test", "--out", key)
	if code != 0 {
		t.Fatalf("keygen: %d %s", code, stderr)
	}
	pub = strings.TrimSpace(pub)
	cfg := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, `kafka: {brokers: [%q]}
chains:
  - name: sim
    url: %s
    from: 0
    confirmations: 4
    seal: {key_file: %s, every: 40}
`, kcfg.Brokers[0], chain.WSURL(), key), 0o644); err != nil {
		t.Fatal(err)
	}

	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	chainDone := make(chan error, 1)
	go func() {
		chainDone <- chain.Run(ctx, devchain.RunConfig{Interval: 15 * time.Millisecond, TxsPerBlock: 4, ReorgEvery: 8, Seed: 7}, ingesttest.Logger())
	}()
	ingestCtx, interrupt := context.WithCancel(context.Background())
	ingestDone := make(chan int, 1)
	var ingestErr bytes.Buffer
	go func() {
		ingestDone <- run(ingestCtx, []string{"ingest", "-c", cfg, "--log-level", "warn"}, &bytes.Buffer{}, &ingestErr, func(string) (string, bool) { return "", false })
	}()
	ingesttest.WaitFor(t, time.Minute, "the follower to pass block 120", func() bool {
		h, ok := cursorHead(kcfg, "sim")
		return ok && h >= 120
	})
	interrupt() // as Ctrl-C does
	if code := <-ingestDone; code != 0 {
		t.Fatalf("ingest stopped with %d: %s", code, ingestErr.String())
	}
	stop()
	<-chainDone

	topics := kafka.TopicsFor("", "sim")
	retractions := 0
	for _, topic := range append(topics.All(), topics.Reorgs()) {
		n := 0
		if err := kafka.ReadTopic(context.Background(), kcfg, topic, 0, func(r *kgo.Record) error {
			n++
			if r.Value == nil {
				retractions++
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			continue
		}
		code, out, stderr := runCLI(t, "verify", topic, "--key", pub, "--strict", "--brokers", kcfg.Brokers[0])
		if code != 0 || !strings.Contains(out, "(0 not checkpointed yet)") {
			t.Fatalf("verify %s: exit %d\n%s%s", topic, code, out, stderr)
		}
	}
	if retractions == 0 {
		t.Fatal("no reorg retracted anything: the test shows nothing of retractions")
	}
	t.Logf("%d retractions among the sealed records", retractions)
}
