package engine

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/internal/wait"
	"github.com/chaintap/chaintap/kafka"
)

// The crash test runs the engine in child processes it can kill -9: the
// test binary itself, started again with crashChildEnv set, which TestMain
// turns into a process that runs the count query until killed or sent
// SIGTERM. This needs no separate build, and the child is built exactly
// like the test (with -race when the test is).
const (
	crashChildEnv = "CHAINTAP_ENGINE_CRASH_BROKER"
	crashDirEnv   = "CHAINTAP_ENGINE_CRASH_DIR"
	crashKills    = 30
)

func TestMain(m *testing.M) {
	if addr := os.Getenv(crashChildEnv); addr != "" {
		os.Exit(crashChild(addr, os.Getenv(crashDirEnv)))
	}
	os.Exit(m.Run())
}

// crashChild runs the count query over crash-in until SIGTERM (a clean
// stop, exit 0) or SIGKILL.
func crashChild(addr, dir string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	fmt.Println("ready") // to stop: SIGTERM is handled from now on
	e, err := New(Config{
		Kafka:             kafka.Config{Brokers: []string{addr}},
		DataDir:           dir,
		InstanceID:        "crash",
		Log:               testLog(),
		HeartbeatInterval: 300 * time.Millisecond,
	})
	if err == nil {
		err = e.Run(ctx, countQuery("crash", "crash-in"))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "crash child:", err)
		return 1
	}
	return 0
}

// TestExactlyOnceUnderCrashes kills the engine (kill -9) 30 times at
// random moments while input arrives, wiping its data directory before
// some restarts, then lets a last one finish. Every key's outputs, read
// read_committed, must be exactly the counts its inputs make, each once:
// a record processed twice shows as a repeated input offset or a count one
// too high, a lost state update as a count that restarts.
//
// The broker is kfake with compaction left to the test (it compacts once,
// while no transaction is open, then a fresh instance restores): kfake
// compacts past open transactions (see TestKfakeCompactsPastOpenTransaction),
// which loses committed changelog records when such a transaction then
// aborts, as a kill makes them do.
func TestExactlyOnceUnderCrashes(t *testing.T) {
	if testing.Short() {
		t.Skip("kills the engine 30 times, about a second apart")
	}
	seed := time.Now().UnixNano()
	if s := os.Getenv("CHAINTAP_ENGINE_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseInt(s, 10, 64); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("seed %d (replay the kill schedule with CHAINTAP_ENGINE_SEED=%d)", seed, seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 0))

	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.BrokerConfigs(map[string]string{
		"log.cleaner.backoff.ms": "3600000",
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	addr := cluster.ListenAddrs()[0]
	cfg := kafka.Config{Brokers: []string{addr}}
	makeTopic(t, cfg, "crash-in", 4)
	dir := t.TempDir()

	in := startInput(t, cfg, "crash-in")
	began := time.Now()
	wipes, midTxn := 0, 0
	for i := range crashKills {
		if rng.IntN(4) == 0 {
			wipes++
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
		}
		c := startChild(t, addr, dir)
		time.Sleep(time.Duration(200+rng.IntN(1300)) * time.Millisecond)
		c.kill(t, i)
		if txnOngoing(t, cfg, TransactionalID("crash", "crash")) {
			midTxn++
		}
	}
	produced := in.stop(t)
	_, before := readOutputs(t, cfg, "crash-out")
	t.Logf("%d kills (%d inside a transaction, %d after wiping the data directory) in %s; %d inputs, %d outputs committed by then",
		crashKills, midTxn, wipes, time.Since(began).Round(time.Millisecond), produced, before)
	if before == 0 || midTxn == 0 {
		t.Fatal("the kills did not hit a working engine")
	}

	last := startChild(t, addr, dir)
	waitOutputs(t, cfg, "crash-out", produced, 90*time.Second)
	last.term(t)

	// Compaction, while no transaction is open, then a fresh instance
	// rebuilding its state from the compacted changelog.
	cluster.Compact()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	produce(t, cfg, "crash-in", inputs(200, 16, produced))
	fresh := startChild(t, addr, dir)
	waitOutputs(t, cfg, "crash-out", produced+200, 90*time.Second)
	fresh.term(t)

	got, _ := readOutputs(t, cfg, "crash-out")
	want, _ := expectedOutputs(t, cfg, "crash-in")
	checkOutputs(t, got, want)
}

// txnOngoing reports whether the transactional ID has a transaction open.
func txnOngoing(t *testing.T, cfg kafka.Config, id string) bool {
	t.Helper()
	cl, err := cfg.NewClient(kgo.DisableClientMetrics())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	ds, err := kadm.NewClient(cl).DescribeTransactions(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return ds[id].State == "Ongoing"
}

// child is a crash child process.
type child struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	ready  chan struct{} // closed once it handles SIGTERM
}

func startChild(t *testing.T, addr, dir string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+addr, crashDirEnv+"="+dir)
	c := &child{cmd: cmd, stderr: &bytes.Buffer{}, ready: make(chan struct{})}
	cmd.Stderr = c.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		// The pipe ends when the child does; Wait waits for this copy.
		if _, err := bufio.NewReader(out).ReadString('\n'); err == nil {
			close(c.ready)
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	return c
}

// kill kills the child with SIGKILL; it must have been running.
func (c *child) kill(t *testing.T, i int) {
	t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	err := c.cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || !ee.Sys().(syscall.WaitStatus).Signaled() {
		t.Fatalf("child %d ended by itself before the kill: %v\n%s", i, err, c.stderr)
	}
}

// term stops the child with SIGTERM; it must stop cleanly.
func (c *child) term(t *testing.T) {
	t.Helper()
	select {
	case <-c.ready:
	case <-time.After(30 * time.Second):
		t.Fatalf("child not ready after 30s\n%s", c.stderr)
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("child stopped with %v\n%s", err, c.stderr)
	}
}

// inputFeed produces inputs to a topic in small batches until stopped.
type inputFeed struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	n      int
	err    error
}

func startInput(t *testing.T, cfg kafka.Config, topic string) *inputFeed {
	t.Helper()
	cl, err := cfg.NewClient(kgo.DefaultProduceTopic(topic), kgo.DisableClientMetrics())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &inputFeed{cancel: cancel}
	f.wg.Go(func() {
		defer cl.Close()
		for ctx.Err() == nil {
			var rs []*kgo.Record
			for _, in := range inputs(20, 16, f.n) {
				rs = append(rs, inputRecord(in))
			}
			// Not ctx: a batch is produced whole, so f.n counts it.
			if f.err = cl.ProduceSync(context.Background(), rs...).FirstErr(); f.err != nil {
				return
			}
			f.n += len(rs)
			_ = wait.Sleep(ctx, 10*time.Millisecond)
		}
	})
	return f
}

// stop stops the feed and returns how many inputs it produced.
func (f *inputFeed) stop(t *testing.T) int {
	t.Helper()
	f.cancel()
	f.wg.Wait()
	if f.err != nil {
		t.Fatal(f.err)
	}
	return f.n
}
