package btc

import (
	"context"
	"errors"
	"io"
	"log"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/chaintap/chaintap/internal/freeport"
	"github.com/chaintap/chaintap/internal/ingesttest"
)

func TestParseHashblock(t *testing.T) {
	hash := make([]byte, 32)
	hash[0], hash[31] = 0xab, 0x01
	n, err := parseHashblock([][]byte{[]byte("hashblock"), hash, {7, 1, 0, 0}})
	if want := "ab" + strings.Repeat("00", 30) + "01"; err != nil || n.Seq != 263 || n.Hash != want {
		t.Fatalf("got %+v, %v", n, err)
	}
	for _, frames := range [][][]byte{
		{[]byte("hashblock"), hash},
		{[]byte("hashtx"), hash, {0, 0, 0, 0}},
		{[]byte("hashblock"), hash[:31], {0, 0, 0, 0}},
		{[]byte("hashblock"), hash, {0, 0, 0}},
	} {
		if _, err := parseHashblock(frames); !errors.Is(err, ErrBadNotification) {
			t.Errorf("%q: err = %v, want ErrBadNotification", frames, err)
		}
	}
}

// TestHashblockSubStops: stop ends the subscriber and waits for it,
// whether it is backing off from a refused dial or blocked receiving from
// a live publisher, and leaves no goroutine behind.
func TestHashblockSubStops(t *testing.T) {
	ep := "tcp://127.0.0.1:" + strconv.Itoa(freeport.Port(t))
	wake := make(chan struct{}, 1)
	m := NewMetrics(nil)

	// Nobody listens: the dial is refused and retried with backoff.
	h := startHashblock(context.Background(), "c", ep, wake, ingesttest.Logger(), m)
	ingesttest.WaitFor(t, 5*time.Second, "a refused dial counted", func() bool { return m.ZMQEvents("c", "reconnect") >= 1 })
	stopWithin(t, h, time.Second)

	// A live publisher: the subscriber is blocked receiving.
	pub := zmq4.NewPub(context.Background(), zmq4.WithLogger(log.New(io.Discard, "", 0)))
	defer pub.Close()
	if err := pub.Listen(ep); err != nil {
		t.Fatal(err)
	}
	h = startHashblock(context.Background(), "c", ep, wake, ingesttest.Logger(), m)
	ingesttest.WaitFor(t, 5*time.Second, "the subscription", func() bool {
		return slices.Contains(pub.(interface{ Topics() []string }).Topics(), "hashblock")
	})
	select {
	case <-wake: // connecting wakes a tip check: blocks found meanwhile
	case <-time.After(time.Second):
		t.Fatal("connecting did not wake a tip check")
	}
	stopWithin(t, h, time.Second)
	pub.Close()
	// The subscriber's goroutines, ours and the library's SUB socket's,
	// are gone. (The test's PUB socket leaves its writer goroutine,
	// pubMWriter.run, parked after Close: the library's, on the
	// publisher's side, which chaintap never runs.)
	deadline := time.Now().Add(5 * time.Second)
	for {
		buf := make([]byte, 1<<20)
		stacks := string(buf[:runtime.Stack(buf, true)])
		left := 0
		for _, g := range strings.Split(stacks, "\n\n") {
			if strings.Contains(g, "chaintap/btc.") && !strings.Contains(g, "TestHashblockSubStops") ||
				strings.Contains(g, "zmq4.") && !strings.Contains(g, "pubMWriter") {
				left++
			}
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines of the subscriber left:\n%s", left, stacks)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func stopWithin(t *testing.T, h *hashblockSub, d time.Duration) {
	t.Helper()
	done := make(chan struct{})
	go func() { h.stop(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("stop did not return within %s", d)
	}
}
