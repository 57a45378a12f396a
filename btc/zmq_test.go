package btc_test

// ZMQ hashblock against a real btcd in regtest. btcd has no ZMQ, so the
// test plays Bitcoin Core's part: a real ZMQ PUB socket (the same
// library, speaking ZMTP over TCP) publishes each mined block's hash as
// Core does (topic "hashblock", the 32-byte hash, a 4-byte little-endian
// sequence number), and the source subscribes to it over the wire.

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"io"
	"log"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/chaintap/chaintap/btc"
	"github.com/chaintap/chaintap/follow"
	"github.com/chaintap/chaintap/internal/btcdtest"
	"github.com/chaintap/chaintap/internal/freeport"
	"github.com/chaintap/chaintap/internal/ingesttest"
)

// publisher is a ZMQ PUB socket playing bitcoind's -zmqpubhashblock.
type publisher struct {
	t    *testing.T
	ep   string
	sock zmq4.Socket
	seq  uint32
}

func startPublisher(t *testing.T, ep string) *publisher {
	t.Helper()
	p := &publisher{t: t, ep: ep}
	p.listen()
	t.Cleanup(func() { p.close() })
	return p
}

func (p *publisher) listen() {
	p.t.Helper()
	p.sock = zmq4.NewPub(context.Background(), zmq4.WithLogger(log.New(io.Discard, "", 0)))
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := p.sock.Listen(p.ep)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond) // the old listener's port is being released
	}
}

func (p *publisher) close() {
	if p.sock != nil {
		p.sock.Close()
		p.sock = nil
	}
}

// waitSubscribed waits until a subscriber has asked for hashblock, so
// that what is published next reaches it (PUB drops messages nobody has
// subscribed to yet: ZMQ's "slow joiner").
func (p *publisher) waitSubscribed(within time.Duration) {
	p.t.Helper()
	ingesttest.WaitFor(p.t, within, "a hashblock subscriber", func() bool {
		return slices.Contains(p.sock.(interface{ Topics() []string }).Topics(), "hashblock")
	})
}

// send publishes frames as one multipart message.
func (p *publisher) send(frames ...[]byte) {
	p.t.Helper()
	if err := p.sock.SendMulti(zmq4.NewMsgFrom(frames...)); err != nil {
		p.t.Fatal(err)
	}
}

// hashblock publishes hash (as the RPC writes it) with the next sequence
// number, as Bitcoin Core does.
func (p *publisher) hashblock(hash string) {
	p.t.Helper()
	raw, err := hex.DecodeString(hash)
	if err != nil {
		p.t.Fatal(err)
	}
	seq := binary.LittleEndian.AppendUint32(nil, p.seq)
	p.seq++
	p.send([]byte("hashblock"), raw, seq)
}

func zmqSource(node *btcdtest.Node, poll time.Duration, ep string, m *btc.Metrics) *btc.Source {
	return btc.New(btc.Config{Chain: chain, URL: node.URL, Auth: btc.Auth{User: node.User, Password: node.Pass},
		PollInterval: poll, ZMQHashblock: ep}, ingesttest.Logger(), m)
}

// published waits up to within for the follower to publish hash at n and
// returns how long that took, or false.
func (r *run) published(n uint64, hash string, within time.Duration) (time.Duration, bool) {
	start := time.Now()
	for time.Since(start) < within {
		if p := r.head(); p.Head == n && p.HeadHash == hash {
			return time.Since(start), true
		}
		time.Sleep(2 * time.Millisecond)
	}
	return 0, false
}

func tcpEndpoint(t *testing.T) string {
	return "tcp://127.0.0.1:" + strconv.Itoa(freeport.Port(t))
}

// latencies mines blocks one at a time, each after a random pause below
// pause (if not 0), calls announce (which may publish the notification)
// right after each, and returns the tip-to-publish latencies; a block not
// published within bound is a failure.
func latencies(t *testing.T, node *btcdtest.Node, r *run, blocks int, pause, bound time.Duration, announce func(hash string)) []time.Duration {
	t.Helper()
	var ds []time.Duration
	for range blocks {
		if pause > 0 {
			time.Sleep(rand.N(pause))
		}
		hash := node.Generate(1)[0]
		announce(hash)
		d, ok := r.published(node.Height(), hash, bound)
		if !ok {
			t.Fatalf("block %s not published within %s", hash, bound)
		}
		ds = append(ds, d)
	}
	return ds
}

func summary(ds []time.Duration) string {
	s := slices.Clone(ds)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return "median " + s[len(s)/2].Round(time.Millisecond).String() + ", max " + s[len(s)-1].Round(time.Millisecond).String() +
		", mean " + (sum / time.Duration(len(s))).Round(time.Millisecond).String() + " over " + strconv.Itoa(len(s)) + " blocks"
}

// TestRegtestZMQWakesTipCheck: with poll_interval 1h, a mined block is
// published within a second only because its hashblock notification
// woke the tip check: the same source without the notification does not
// publish it within 3 s. The tip-to-publish latency with ZMQ and with
// plain polling every second (the default) is logged.
func TestRegtestZMQWakesTipCheck(t *testing.T) {
	node := btcdtest.Start(t)
	node.Generate(5)
	from := uint64(1)

	t.Run("zmq", func(t *testing.T) {
		ep := tcpEndpoint(t)
		pub := startPublisher(t, ep)
		metrics := btc.NewMetrics(nil)
		r := startFollower(t, ingesttest.Broker(t), zmqSource(node, time.Hour, ep, metrics), follow.Config{Window: 20, Confirmations: 2, From: &from})
		tip := node.Height()
		r.waitFor(t, tip, node.HashAt(tip)) // the first poll, at start
		pub.waitSubscribed(10 * time.Second)
		ds := latencies(t, node, r, 8, 0, time.Second, pub.hashblock)
		if got := metrics.ZMQEvents(chain, "hashblock"); got != 8 {
			t.Errorf("%v hashblock notifications counted, want 8", got)
		}
		t.Logf("tip-to-publish with ZMQ (poll_interval 1h): %s", summary(ds))
	})

	t.Run("no notification", func(t *testing.T) {
		ep := tcpEndpoint(t)
		pub := startPublisher(t, ep)
		r := startFollower(t, ingesttest.Broker(t), zmqSource(node, time.Hour, ep, nil), follow.Config{Window: 20, Confirmations: 2, From: &from})
		tip := node.Height()
		r.waitFor(t, tip, node.HashAt(tip))
		pub.waitSubscribed(10 * time.Second)
		hash := node.Generate(1)[0]
		if _, ok := r.published(node.Height(), hash, 3*time.Second); ok {
			t.Fatal("a block was published without a notification while poll_interval is 1h: the test proves nothing")
		}
	})

	t.Run("polling 1s", func(t *testing.T) {
		r := startFollower(t, ingesttest.Broker(t), zmqSource(node, time.Second, "", nil), follow.Config{Window: 20, Confirmations: 2, From: &from})
		tip := node.Height()
		r.waitFor(t, tip, node.HashAt(tip))
		// Mining right after a publish would mine right after a poll,
		// each block then waiting a full interval: a random pause puts
		// the blocks at random points of the interval, as on a real chain.
		ds := latencies(t, node, r, 8, time.Second, 3*time.Second, func(string) {})
		t.Logf("tip-to-publish without ZMQ (poll_interval 1s): %s", summary(ds))
	})
}

// TestRegtestZMQFaults: a garbled notification, a gap in the sequence
// numbers, a block never announced and a publisher that goes away and
// comes back: every block is published (by the tip check a notification
// woke, or by polling every 2 s), the source never stops, and the
// subscription reconnects and delivers notifications again.
func TestRegtestZMQFaults(t *testing.T) {
	node := btcdtest.Start(t)
	node.Generate(5)
	from := uint64(1)
	ep := tcpEndpoint(t)
	pub := startPublisher(t, ep)
	metrics := btc.NewMetrics(nil)
	const poll = 2 * time.Second
	r := startFollower(t, ingesttest.Broker(t), zmqSource(node, poll, ep, metrics), follow.Config{Window: 20, Confirmations: 2, From: &from})
	tip := node.Height()
	r.waitFor(t, tip, node.HashAt(tip))
	pub.waitSubscribed(10 * time.Second)

	expect := func(what string, hash string, within time.Duration) time.Duration {
		t.Helper()
		d, ok := r.published(node.Height(), hash, within)
		if !ok {
			t.Fatalf("%s: block %s not published within %s", what, hash, within)
		}
		t.Logf("%s: published after %s", what, d.Round(time.Millisecond))
		return d
	}

	// Garbled: a short hash, one frame, four frames. Each is counted, and
	// wakes a tip check all the same.
	hash := node.Generate(1)[0]
	pub.send([]byte("hashblock"), []byte{1, 2, 3}, []byte{0, 0, 0, 0})
	pub.send([]byte("hashblock"))
	pub.send([]byte("hashblock"), make([]byte, 32), make([]byte, 4), []byte("x"))
	expect("garbled notifications", hash, poll+time.Second)
	ingesttest.WaitFor(t, 5*time.Second, "three garbled messages counted", func() bool { return metrics.ZMQEvents(chain, "garbled") == 3 })

	// A gap in the sequence numbers (notifications lost at the node).
	pub.hashblock(node.Generate(1)[0])
	pub.seq += 5
	hash = node.Generate(1)[0]
	pub.hashblock(hash)
	expect("after a sequence gap", hash, time.Second)
	ingesttest.WaitFor(t, 5*time.Second, "the gap counted", func() bool { return metrics.ZMQEvents(chain, "gap") == 1 })

	// Dropped: no notification at all; polling finds the block.
	hash = node.Generate(1)[0]
	expect("no notification (polling)", hash, poll+2*time.Second)

	// The publisher goes away: blocks are still found by polling, the
	// subscriber reconnects with backoff until it is back.
	pub.close()
	ingesttest.WaitFor(t, 5*time.Second, "the lost subscription noticed", func() bool { return metrics.ZMQEvents(chain, "reconnect") >= 1 })
	hash = node.Generate(1)[0]
	expect("publisher gone (polling)", hash, poll+2*time.Second)
	time.Sleep(time.Second) // a few failed dials
	pub.listen()
	pub.waitSubscribed(15 * time.Second)
	before := metrics.ZMQEvents(chain, "hashblock")
	hash = node.Generate(1)[0]
	pub.hashblock(hash)
	expect("publisher back", hash, poll+time.Second)
	ingesttest.WaitFor(t, 5*time.Second, "a notification after reconnecting", func() bool { return metrics.ZMQEvents(chain, "hashblock") > before })

	select {
	case err := <-r.done:
		t.Fatalf("the follower stopped: %v", err)
	default:
	}
	t.Logf("zmq events: hashblock %v, garbled %v, gap %v, reconnect %v", metrics.ZMQEvents(chain, "hashblock"),
		metrics.ZMQEvents(chain, "garbled"), metrics.ZMQEvents(chain, "gap"), metrics.ZMQEvents(chain, "reconnect"))
}
