package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/chaintap/chaintap/config"
	"github.com/chaintap/chaintap/internal/ingesttest"
)

// TestUpChecksBeforeStarting: a busy port or a bad value is reported at
// once, every problem in one run, before the broker, the chain or anything
// else has started (no data directory is created, no port is taken).
func TestUpChecksBeforeStarting(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	free := func() string { return freeAddr(t) }
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"busy page port", []string{"--http-addr", busy.Addr().String()}, []string{"--http-addr (the page) " + busy.Addr().String()}},
		{"busy broker port", []string{"--kafka-addr", busy.Addr().String()}, []string{"--kafka-addr (the embedded broker)"}},
		{"busy devchain port", []string{"--rpc-addr", busy.Addr().String()}, []string{"--rpc-addr (the devchain's JSON-RPC)"}},
		{"zero txs per block", []string{"--txs-per-block", "0"}, []string{"--txs-per-block 0: want at least 1"}},
		{"negative txs per block", []string{"--txs-per-block", "-3"}, []string{"--txs-per-block -3"}},
		{"zero block interval", []string{"--block-interval", "0s"}, []string{"--block-interval 0s: want at least 10ms"}},
		{"negative block interval", []string{"--block-interval", "-1s"}, []string{"--block-interval -1s"}},
		{"negative reorg-every", []string{"--reorg-every", "-1"}, []string{"--reorg-every -1: want 0 (never)"}},
		{"all at once", []string{"--txs-per-block", "0", "--block-interval", "0s", "--reorg-every", "-1", "--http-addr", busy.Addr().String()},
			[]string{"--txs-per-block", "--block-interval", "--reorg-every", "--http-addr"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "data")
			args := append([]string{"up", "--data-dir", dir, "--kafka-addr", free(), "--rpc-addr", free(), "--http-addr", free(), "--api-addr", free()}, c.args...)
			start := time.Now()
			code, _, errOut := runCLI(t, args...)
			if code != 1 {
				t.Fatalf("exit %d, want 1; stderr %q", code, errOut)
			}
			for _, w := range c.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %s to refuse", d)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("the data directory was created (%v): something started", err)
			}
		})
	}
	code, _, errOut := runCLI(t, "devchain", "--block-interval", "0s", "--rpc-addr", busy.Addr().String())
	if code != 1 || !strings.Contains(errOut, "--block-interval 0s") || !strings.Contains(errOut, "--rpc-addr "+busy.Addr().String()) {
		t.Fatalf("devchain: exit %d, stderr %q", code, errOut)
	}
}

// TestUsageHints: --version names the build; an unknown command or flag
// exits 2 with a suggestion and a pointer to --help.
func TestUsageHints(t *testing.T) {
	code, out, _ := runCLI(t, "--version")
	if code != 0 || !strings.HasPrefix(out, "chaintap ") || len(strings.TrimSpace(out)) <= len("chaintap") {
		t.Fatalf("--version: exit %d, %q", code, out)
	}
	code, _, errOut := runCLI(t, "upp")
	if code != 2 || !strings.Contains(errOut, `unknown command "upp" (did you mean "up"?)`) || !strings.Contains(errOut, "Run 'chaintap --help' for usage.") {
		t.Fatalf("unknown command: exit %d, %q", code, errOut)
	}
	code, _, errOut = runCLI(t, "ingest", "--frm", "3")
	if code != 2 || !strings.Contains(errOut, "--frm") || !strings.Contains(errOut, "Run 'chaintap ingest --help' for usage.") {
		t.Fatalf("unknown flag: exit %d, %q", code, errOut)
	}
	code, out, _ = runCLI(t, "--help")
	for _, topic := range []string{"<chain>.blocks", "<chain>.transactions", "<chain>.logs", "<chain>.token_transfers", "<chain>.events", ".confirmed"} {
		if code != 0 || !strings.Contains(out, topic) {
			t.Errorf("root help lacks %s", topic)
		}
	}
}

// TestIngestSecondChainFailsToStart: when the second chain's node cannot
// be reached, runIngest returns that error with nothing left running: the
// first chain's follower was never started (it used to run on, its
// publisher closed under it).
func TestIngestSecondChainFailsToStart(t *testing.T) {
	kcfg := ingesttest.Broker(t)
	c, _ := ingesttest.Chain(t, true)
	zero := uint64(0)
	cfg := config.Defaults()
	cfg.Chains = []config.Chain{{Name: "first", URL: c.WSURL(), From: &zero}, {Name: "second", URL: "ws://127.0.0.1:1", From: &zero}}
	cfg, err := config.Revalidate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = runIngest(ctx, cfg, kcfg, ingesttest.Logger(), newRegistry(), &bytes.Buffer{}, os.LookupEnv)
	if err == nil || !strings.Contains(err.Error(), "ws://127.0.0.1:1") {
		t.Fatalf("err = %v, want the second chain's failure", err)
	}
	if stacks := followerStacks(); stacks != "" {
		t.Fatalf("a follower runs after runIngest returned:\n%s", stacks)
	}
}

// followerStacks returns the stacks of goroutines inside a follower.
func followerStacks() string {
	var buf bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&buf, 2)
	var out []string
	for _, g := range strings.Split(buf.String(), "\n\n") {
		if strings.Contains(g, "chaintap/follow.(*Follower)") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}
