package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/btc"
	"github.com/chaintap/chaintap/btcdev"
	"github.com/chaintap/chaintap/config"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/evm"
	"github.com/chaintap/chaintap/follow"
	"github.com/chaintap/chaintap/internal/btcdtest"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/internal/testseed"
	"github.com/chaintap/chaintap/kafka"
)

// bitcoinChainYAML is a chains: entry following node.
func bitcoinChainYAML(name string, node *btcdtest.Node, from uint64) string {
	return fmt.Sprintf(`  - name: %s
    family: bitcoin
    url: %s
    rpc_user: %s
    rpc_password: %s
    from: %d
    confirmations: 3
    reorg_window: 30
    poll_interval: 50ms
`, name, node.URL, node.User, node.Pass, from)
}

func writeConfig(t *testing.T, brokers string, chains ...string) string {
	t.Helper()
	body := "kafka:\n  brokers: [" + brokers + "]\nchains:\n"
	for _, c := range chains {
		body += c
	}
	path := filepath.Join(t.TempDir(), "chaintap.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func cursorHead(kcfg kafka.Config, chain string) (uint64, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, err := kafka.ReadCursor(ctx, kcfg, chain)
	if err != nil || c == nil {
		return 0, false
	}
	h, ok := c.Head()
	return h.Number, ok
}

// mineFor mines a block with spends every ~60 ms for d, and now and then
// reorganises the node (the top two blocks replaced by a longer branch).
func mineFor(node *btcdtest.Node, traffic *btcdtest.Traffic, rng *rand.Rand, d time.Duration) {
	for end := time.Now().Add(d); time.Now().Before(end); {
		if rng.IntN(20) == 0 {
			node.Reorg(node.Height()-1, 3)
			traffic.Reset()
		} else {
			traffic.Block(2)
		}
		time.Sleep(60 * time.Millisecond)
	}
}

// TestBitcoinCrashSafety kills `chaintap ingest` following btcd with
// SIGKILL at random points, 30 times, while the node mines spends and
// reorganises; after the last restart the confirmed view holds every
// block once, in order, with no gap, and the head view folds to the
// canonical chain.
func TestBitcoinCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a subprocess 30 times")
	}
	seed := testseed.Seed(t)
	rng := rand.New(rand.NewPCG(seed, seed))
	bin := binary(t)
	kcfg := ingesttest.Broker(t)
	node := btcdtest.Start(t)
	traffic := btcdtest.NewTraffic(t, node, seed)
	const from = 95
	cfg := writeConfig(t, kcfg.Brokers[0], bitcoinChainYAML("btc", node, from))
	args := []string{"ingest", "-c", cfg, "--log-level", "warn"}
	const kills = 30
	for i := range kills {
		cmd := exec.Command(bin, args...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		mineFor(node, traffic, rng, time.Duration(50+rng.IntN(600))*time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = cmd.Wait()
		if i%10 == 9 {
			if h, ok := cursorHead(kcfg, "btc"); ok {
				t.Logf("after %d kills the cursor is at block %d (node at %d)", i+1, h, node.Height())
			}
		}
	}
	head := node.Height()
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	ingesttest.WaitFor(t, time.Minute, "the last run to catch up to block "+ingesttest.Itoa(head), func() bool {
		h, ok := cursorHead(kcfg, "btc")
		return ok && h >= head
	})
	_ = cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("last run: %v", err)
	}
	c, err := kafka.ReadCursor(context.Background(), kcfg, "btc")
	if err != nil {
		t.Fatal(err)
	}
	src := btc.New(btc.Config{Chain: "btc", URL: node.URL, Auth: btc.Auth{User: node.User, Password: node.Pass}}, nil, nil)
	topics := kafka.TopicsOf("", "btc", chaintap.FamilyBitcoin)
	ingesttest.CheckConfirmed(t, kcfg, topics, src, from, c.Confirmed)
	ingesttest.CheckHeadView(t, kcfg, topics, src, from, head)
	t.Logf("%d kills; %d transactions; node at block %d; confirmed view holds blocks %d..%d once each; %d reorgs recorded",
		kills, traffic.Sent, head, from, c.Confirmed, len(ingesttest.Reorgs(t, kcfg, topics)))
}

// TestBothFamiliesInOneProcess follows an EVM chain and btcd in one
// `chaintap ingest` against one broker. Killing the Bitcoin node leaves
// the EVM chain flowing; so does the Bitcoin chain stopping on an error
// only an operator can resolve: btcd in regtest comes back from a kill
// (or even a clean stop) without the blocks it mined, so its new branch
// is a reorg deeper than any window.
func TestBothFamiliesInOneProcess(t *testing.T) {
	bin := binary(t)
	kcfg := ingesttest.Broker(t)
	node := btcdtest.Start(t)
	traffic := btcdtest.NewTraffic(t, node, 5)
	evmChain, err := devchain.Start(devchain.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer evmChain.Close()
	ctx, stopChain := context.WithCancel(context.Background())
	chainDone := make(chan error, 1)
	go func() {
		chainDone <- evmChain.Run(ctx, devchain.RunConfig{Interval: 30 * time.Millisecond, TxsPerBlock: 3, Seed: 5}, ingesttest.Logger())
	}()
	const from = 100
	evmYAML := fmt.Sprintf("  - name: sim\n    url: %s\n    from: 0\n    confirmations: 3\n", evmChain.WSURL())
	cfg := writeConfig(t, kcfg.Brokers[0], evmYAML, bitcoinChainYAML("btc", node, from))
	cmd := exec.Command(bin, "ingest", "-c", cfg, "--log-level", "error")
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	for range 5 {
		traffic.Block(3)
	}
	btcTip := node.Height()
	ingesttest.WaitFor(t, time.Minute, "both chains to be followed", func() bool {
		b, okB := cursorHead(kcfg, "btc")
		e, okE := cursorHead(kcfg, "sim")
		return okB && okE && b >= btcTip && e > 5
	})
	evmFlows := func(what string) uint64 {
		t.Helper()
		before, _ := cursorHead(kcfg, "sim")
		ingesttest.WaitFor(t, time.Minute, "the EVM chain to flow "+what, func() bool {
			e, _ := cursorHead(kcfg, "sim")
			return e >= before+20
		})
		if err := cmd.Process.Signal(syscall.Signal(0)); err != nil {
			t.Fatalf("chaintap exited %s: %v\n%s", what, err, stderr.String())
		}
		after, _ := cursorHead(kcfg, "sim")
		return after - before
	}

	node.Kill()
	whileDown := evmFlows("while the Bitcoin node is down")
	node.Restart()
	back := node.Height()
	node.Generate(int(btcTip + 3 - back)) // a new branch past the follower's head
	ingesttest.WaitFor(t, time.Minute, "the Bitcoin chain to stop on the deep reorg", func() bool {
		return strings.Contains(stderr.String(), "reorg deeper than the window")
	})
	afterStop := evmFlows("after the Bitcoin chain stopped")
	_ = cmd.Process.Signal(syscall.SIGINT)
	_ = cmd.Wait()
	// Stopped with Ctrl-C, the process still reports the chain that had
	// stopped for the operator: its error last, and its exit code.
	if code := cmd.ProcessState.ExitCode(); code != exitReorgTooDeep {
		t.Errorf("exit code %d after Ctrl-C with the Bitcoin chain stopped on a deep reorg, want %d\n%s", code, exitReorgTooDeep, stderr.String())
	}
	stopChain()
	if err := <-chainDone; err != nil {
		t.Fatal(err)
	}
	evmHead, _ := cursorHead(kcfg, "sim")
	dec, err := buildDecoder(config.Chain{Name: "sim"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	esrc := evm.New(evmChain.RPC(), evm.Config{Chain: "sim"}, nil, nil)
	ingesttest.CheckHeadView(t, kcfg, kafka.TopicsFor("", "sim"), follow.Enriched(esrc, dec), 0, evmHead)
	t.Logf("EVM followed to block %d: %d blocks while btcd was down, %d after the Bitcoin chain stopped (btcd came back at block %d, below %d)",
		evmHead, whileDown, afterStop, back, btcTip)
}

// TestUpBitcoin runs `chaintap up --bitcoin`: btcd in regtest mines
// spends beside the devchain, both chains are followed into the embedded
// broker, and the Bitcoin chain's transactions arrive with resolved
// inputs. Started again, up starts the regtest chain afresh (btcd keeps no
// regtest blocks across restarts) and follows it again.
func TestUpBitcoin(t *testing.T) {
	if testing.Short() {
		t.Skip("runs chaintap up")
	}
	u := newUpRun(t)
	u.extra = []string{"--bitcoin", "--btc-rpc-addr", freeAddr(t), "--btc-block-interval", "200ms"}
	kcfg := u.kafka()
	for run := range 2 {
		u.start()
		spends := 0
		ingesttest.WaitFor(t, 90*time.Second, "Bitcoin transactions with resolved inputs, and devchain blocks", func() bool {
			b, okB := cursorHead(kcfg, demoBitcoinChain)
			e, okE := cursorHead(kcfg, "devchain")
			if !okB || !okE || b < 105 || e < 5 {
				return false
			}
			spends = 0
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = kafka.ReadTopic(ctx, kcfg, demoBitcoinChain+".transactions", 0, func(r *kgo.Record) error {
				var tx chaintap.BitcoinTx
				if json.Unmarshal(r.Value, &tx) == nil && len(tx.Inputs) > 0 && tx.Inputs[0].Value > 0 && tx.Fee == btcdev.Fee {
					spends++
				}
				return nil
			})
			return spends > 3
		})
		t.Logf("run %d: %d spends with resolved inputs in %s.transactions", run+1, spends, demoBitcoinChain)
		// The page shows both families: the Bitcoin chain's latest blocks
		// beside the devchain's.
		ingesttest.WaitFor(t, 30*time.Second, "the page's Bitcoin blocks", func() bool {
			resp, err := http.Get("http://" + u.httpAddr + "/api/chains/" + demoBitcoinChain + "/blocks")
			if err != nil {
				return false
			}
			defer resp.Body.Close()
			var blocks []struct {
				Chain  string
				Number uint64
			}
			return json.NewDecoder(resp.Body).Decode(&blocks) == nil && len(blocks) > 0 && blocks[0].Chain == demoBitcoinChain && blocks[0].Number >= 105
		})
		u.stop()
	}
}
