package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/evm"
	"github.com/chaintap/chaintap/internal/gethtest"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/kafka"
)

// TestGethConfirmedReorgStop: geth --dev rewound with debug_setHead 6
// blocks, deeper than its 3 confirmations. With on_confirmed_reorg: stop,
// `chaintap ingest` corrects the head view, records the reorg in
// geth.reorgs and exits with code 3 and the documented message; a restart
// stops the same way, and a restart with --accept-reorg continues: the
// head view folds to the canonical chain, the confirmed view has every
// height once (the accepted orphans where they were), nothing repeated.
func TestGethConfirmedReorgStop(t *testing.T) {
	gt := newGethReorg(t, "stop")
	head, _ := gt.g.Head(t)
	gt.g.SetHead(t, head-6)
	gt.send.Resync(t)
	gt.send.Send(t, 4)
	code, errOut := gt.run.wait(t)
	t.Logf("exit code %d, stderr:\n%s", code, errOut)
	first := head - 5
	for _, want := range []string{
		"chaintap: following geth: chain geth: a reorg of depth 6 orphaned confirmed blocks " + ingesttest.Itoa(first),
		fmt.Sprintf("(confirmed up to %d; common ancestor %d ", head-3, head-6),
		"The head view is corrected and the reorg is recorded in geth.reorgs",
		fmt.Sprintf("chaintap ingest --accept-reorg %d …", first),
		"on_confirmed_reorg: correct (chain geth)",
	} {
		if code != exitConfirmedReorg || !strings.Contains(errOut, want) {
			t.Fatalf("exit code %d (want %d); stderr lacks %q:\n%s", code, exitConfirmedReorg, want, errOut)
		}
	}
	topics := kafka.TopicsFor("", "geth")
	ingesttest.CheckHeadView(t, gt.kcfg, topics, gt.src, 0, head-6)
	recs := ingesttest.Reorgs(t, gt.kcfg, topics)
	if len(recs) != 1 || recs[0].Depth != 6 || !recs[0].ConfirmedHit || recs[0].CommonAncestor.Number != head-6 || recs[0].Policy != chaintap.PolicyStop {
		t.Fatalf("geth.reorgs holds %+v, want one reorg of depth 6 above %d that hit confirmed blocks", recs, head-6)
	}

	if code, errOut := gt.start().wait(t); code != exitConfirmedReorg || !strings.Contains(errOut, "--accept-reorg "+ingesttest.Itoa(first)) {
		t.Fatalf("restart without a switch: exit code %d, stderr:\n%s", code, errOut)
	}
	gt.start("--accept-reorg", ingesttest.Itoa(first))
	gt.send.Send(t, 5)
	gt.caughtUp(t)
	if code, errOut := gt.run.stop(); code != 0 {
		t.Fatalf("exit code %d:\n%s", code, errOut)
	}
	accepted := map[string]bool{}
	for _, h := range recs[0].OrphanedConfirmed {
		accepted[h.Hash] = true
	}
	head, confirmed := gt.cursor(t)
	if confirmed != head-3 {
		t.Fatalf("confirmed up to %d with the head at %d and 3 confirmations", confirmed, head)
	}
	ingesttest.CheckHeadView(t, gt.kcfg, topics, gt.src, 0, head)
	ingesttest.CheckConfirmedAccepting(t, gt.kcfg, topics, gt.src, 0, confirmed, accepted)
}

// TestGethConfirmedReorgStopThenCorrect: the follower stops on the rewind,
// and the configuration switch (on_confirmed_reorg: correct) is the way
// on: after the restart both views fold to the canonical chain.
func TestGethConfirmedReorgStopThenCorrect(t *testing.T) {
	gt := newGethReorg(t, "stop")
	head, _ := gt.g.Head(t)
	gt.g.SetHead(t, head-6)
	gt.send.Resync(t)
	gt.send.Send(t, 4)
	if code, errOut := gt.run.wait(t); code != exitConfirmedReorg {
		t.Fatalf("exit code %d, stderr:\n%s", code, errOut)
	}
	gt.configure(t, "correct")
	gt.start()
	gt.send.Send(t, 5)
	gt.caughtUp(t)
	if code, errOut := gt.run.stop(); code != 0 {
		t.Fatalf("exit code %d:\n%s", code, errOut)
	}
	topics := kafka.TopicsFor("", "geth")
	gt.checkBothViews(t, topics)
}

// TestGethConfirmedReorgCorrect: the same rewind with on_confirmed_reorg:
// correct; the follower goes on, and both views fold to the canonical chain.
func TestGethConfirmedReorgCorrect(t *testing.T) {
	gt := newGethReorg(t, "correct")
	head, _ := gt.g.Head(t)
	gt.g.SetHead(t, head-6)
	gt.send.Resync(t)
	gt.send.Send(t, 10)
	gt.caughtUp(t)
	if code, errOut := gt.run.stop(); code != 0 {
		t.Fatalf("exit code %d:\n%s", code, errOut)
	}
	topics := kafka.TopicsFor("", "geth")
	gt.checkBothViews(t, topics)
	recs := ingesttest.Reorgs(t, gt.kcfg, topics)
	if len(recs) != 1 || !recs[0].ConfirmedHit || recs[0].Policy != chaintap.PolicyCorrect {
		t.Fatalf("geth.reorgs holds %+v, want one corrected reorg that hit confirmed blocks", recs)
	}
}

// gethReorg is geth --dev with 12 blocks, followed by `chaintap ingest`
// with 3 confirmations, caught up.
type gethReorg struct {
	g      *gethtest.Geth
	send   *gethtest.Sender
	src    *evm.Source
	kcfg   kafka.Config
	config string // the configuration file's path
	args   []string
	run    *ingestRun
}

func newGethReorg(t *testing.T, policy string) *gethReorg {
	if testing.Short() {
		t.Skip("builds and runs geth")
	}
	gt := &gethReorg{g: gethtest.Start(t), kcfg: ingesttest.Broker(t)}
	gt.send = gt.g.NewSender(t)
	gt.send.Send(t, 12)
	gt.config = filepath.Join(t.TempDir(), "chaintap.yaml")
	gt.configure(t, policy)
	gt.args = []string{"ingest", "-c", gt.config, "--brokers", gt.kcfg.Brokers[0], "--log-level", "warn"}
	src, err := evm.Dial(context.Background(), evm.Config{Chain: "geth", URL: gt.g.HTTP}, ingesttest.Logger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(src.Close)
	gt.src = src
	gt.start()
	gt.caughtUp(t)
	return gt
}

// configure writes the configuration: 3 confirmations, the policy given.
func (gt *gethReorg) configure(t *testing.T, policy string) {
	t.Helper()
	yaml := fmt.Sprintf("chains:\n  - name: geth\n    url: %s\n    from: 0\n    confirmations: 3\n    reorg_window: 32\n    on_confirmed_reorg: %s\n", gt.g.WS, policy)
	if err := os.WriteFile(gt.config, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
}

// start runs `chaintap ingest` with extra arguments in the background.
func (gt *gethReorg) start(extra ...string) *ingestRun {
	ctx, cancel := context.WithCancel(context.Background())
	r := &ingestRun{cancel: cancel, done: make(chan int, 1)}
	go func() {
		r.done <- run(ctx, append(append([]string(nil), gt.args...), extra...), &r.out, &r.out, func(string) (string, bool) { return "", false })
	}()
	gt.run = r
	return r
}

// caughtUp waits until the cursor stands on geth's head, failing if the
// run exits meanwhile.
func (gt *gethReorg) caughtUp(t *testing.T) {
	t.Helper()
	ingesttest.WaitFor(t, 90*time.Second, "chaintap ingest to reach geth's head", func() bool {
		select {
		case code := <-gt.run.done:
			t.Fatalf("chaintap ingest exited with %d:\n%s", code, gt.run.out.String())
		default:
		}
		_, want := gt.g.Head(t)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := kafka.ReadCursor(ctx, gt.kcfg, "geth")
		h, ok := c.Head()
		return err == nil && ok && h.Hash == want
	})
}

// cursor returns the committed cursor's head and confirmed height.
func (gt *gethReorg) cursor(t *testing.T) (uint64, uint64) {
	t.Helper()
	c, err := kafka.ReadCursor(context.Background(), gt.kcfg, "geth")
	if err != nil {
		t.Fatal(err)
	}
	h, ok := c.Head()
	if !ok || !c.ConfirmedSet {
		t.Fatalf("cursor %+v has no head or nothing confirmed", c)
	}
	return h.Number, c.Confirmed
}

// ingestRun is `chaintap ingest` run in-process (run, the testable main).
type ingestRun struct {
	cancel context.CancelFunc
	done   chan int
	out    lockedBuffer // stdout and stderr
}

// wait waits for the run to exit on its own.
func (r *ingestRun) wait(t *testing.T) (int, string) {
	t.Helper()
	select {
	case code := <-r.done:
		r.cancel()
		return code, r.out.String()
	case <-time.After(60 * time.Second):
		r.cancel()
		t.Fatalf("chaintap ingest did not exit:\n%s", r.out.String())
		return 0, ""
	}
}

// stop interrupts the run, as Ctrl-C does, and waits for it.
func (r *ingestRun) stop() (int, string) {
	r.cancel()
	code := <-r.done
	return code, r.out.String()
}

// lockedBuffer is written by the run's goroutines and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// checkBothViews fails unless the cursor confirms 3 blocks below the head
// and both views fold to the canonical chain up to their heights.
func (gt *gethReorg) checkBothViews(t *testing.T, topics kafka.Topics) {
	t.Helper()
	head, confirmed := gt.cursor(t)
	if confirmed != head-3 {
		t.Fatalf("confirmed up to %d with the head at %d and 3 confirmations", confirmed, head)
	}
	ingesttest.CheckHeadView(t, gt.kcfg, topics, gt.src, 0, head)
	ingesttest.CheckConfirmedFolded(t, gt.kcfg, topics, gt.src, 0, confirmed)
}
