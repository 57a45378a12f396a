package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/internal/testseed"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/seal"
)

// TestSealCrashSafety kills `chaintap seal` with SIGKILL at random points
// while records keep arriving; after a last run catches up, the sealed
// topic holds every raw record exactly once, in order, and verifies
// strictly.
func TestSealCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a subprocess 15 times")
	}
	rng := rand.New(rand.NewPCG(testseed.Seed(t), 11))
	bin := binary(t)
	r := newSealRig(t)
	r.createTopic("raw")
	stop := r.keepProducing("raw")
	args := []string{"seal", "--from", "raw", "--to", "sealed", "--key-file", r.key, "--brokers", r.addr, "--every", "50", "--interval", "100ms", "--log-level", "warn"}
	const kills = 15
	for range kills {
		cmd := exec.Command(bin, args...)
		dieWithTest(cmd)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(100+rng.IntN(500)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
	}
	produced := stop()

	cmd := exec.Command(bin, args...)
	dieWithTest(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	ingesttest.WaitFor(t, time.Minute, "the last run to seal every record", func() bool { return r.count("sealed") >= produced })
	_ = cmd.Process.Signal(syscall.SIGINT)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("last run: %v", err)
	}
	r.sameAsRaw("raw", "sealed", produced)
	code, out, stderr := r.cli("verify", "sealed", "--key", r.pub, "--strict")
	if code != 0 {
		t.Fatalf("verify after %d kills: %d\n%s%s", kills, code, out, stderr)
	}
	t.Logf("%d kills; %d records sealed once each, in order; %s", kills, produced, strings.TrimSpace(out))
}

// keepProducing writes records to topic until the returned stop is
// called, which returns how many it wrote.
func (r *sealRig) keepProducing(topic string) (stop func() int) {
	cl, err := r.kcfg.NewClient(kgo.DefaultProduceTopic(topic))
	if err != nil {
		r.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int)
	go func() {
		n := 0
		for ctx.Err() == nil {
			var batch []*kgo.Record
			for range 20 {
				batch = append(batch, &kgo.Record{Key: []byte(strconv.Itoa(n)), Value: fmt.Appendf(nil, `{"n": %d}`, n)})
				n++
			}
			if err := cl.ProduceSync(context.Background(), batch...).FirstErr(); err != nil {
				r.t.Errorf("producing: %v", err)
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		cl.Close()
		done <- n
	}()
	return func() int { cancel(); return <-done }
}

// sameAsRaw fails unless sealed holds raw's n records once each, in order.
func (r *sealRig) sameAsRaw(raw, sealed string, n int) {
	r.t.Helper()
	var got []*kgo.Record
	if err := kafka.ReadTopic(context.Background(), r.kcfg, sealed, 0, func(rec *kgo.Record) error { got = append(got, rec); return nil }); err != nil {
		r.t.Fatal(err)
	}
	if len(got) != n {
		r.t.Fatalf("%s holds %d records, %s %d", sealed, len(got), raw, n)
	}
	for i, rec := range got {
		src := ""
		for _, h := range rec.Headers {
			if h.Key == seal.HeaderSource {
				src = string(h.Value)
			}
		}
		if string(rec.Key) != strconv.Itoa(i) || src != strconv.Itoa(i) {
			r.t.Fatalf("sealed record %d is raw record %s (source offset %s)", i, rec.Key, src)
		}
	}
}
