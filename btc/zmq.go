package btc

// ZMQ hashblock notifications wake the tip check early; polling stays.
//
// The library is github.com/go-zeromq/zmq4: a pure-Go implementation of
// ZMTP 3 (ZeroMQ's wire protocol), so chaintap stays one static binary
// built without cgo and without libzmq on the build or run machine. The
// alternatives (pebbe/zmq4, goczmq) bind libzmq through cgo. Of the
// library we use a SUB socket's Dial, Recv and Close only; reconnecting is
// ours (its WithAutomaticReconnect redials from inside a callback, with no
// backoff we control and no signal to us), so that a dead publisher is
// noticed and answered with a tip check.

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
)

// ErrBadNotification: a ZMQ message that is not a hashblock notification
// (three frames: "hashblock", a 32-byte hash, a 4-byte little-endian
// sequence number). It is counted and logged; it wakes a tip check all
// the same, since something happened at the node.
var ErrBadNotification = errors.New("not a ZMQ hashblock notification")

// ZMQError is a failure of the subscription to endpoint: dialling it or
// receiving from it. The subscriber answers it by reconnecting with
// backoff; the tip is polled meanwhile.
type ZMQError struct {
	Endpoint string
	Op       string // "subscribe", "dial" or "receive"
	Err      error
}

func (e *ZMQError) Error() string {
	return fmt.Sprintf("ZMQ %s %s: %v", e.Op, e.Endpoint, e.Err)
}

func (e *ZMQError) Unwrap() error { return e.Err }

// hashblock is one parsed notification.
type hashblock struct {
	Hash string // hex, as the RPC writes it
	Seq  uint32
}

// parseHashblock checks and decodes one message. Bitcoin Core sends the
// hash in the RPC's byte order (already reversed), so it is hex-encoded
// as is.
func parseHashblock(frames [][]byte) (hashblock, error) {
	if len(frames) != 3 {
		return hashblock{}, fmt.Errorf("%d frames, want 3: %w", len(frames), ErrBadNotification)
	}
	if string(frames[0]) != "hashblock" {
		return hashblock{}, fmt.Errorf("topic %q: %w", frames[0], ErrBadNotification)
	}
	if len(frames[1]) != 32 || len(frames[2]) != 4 {
		return hashblock{}, fmt.Errorf("hash of %d bytes and sequence of %d, want 32 and 4: %w", len(frames[1]), len(frames[2]), ErrBadNotification)
	}
	return hashblock{Hash: hex.EncodeToString(frames[1]), Seq: binary.LittleEndian.Uint32(frames[2])}, nil
}

// zmqBackoff bounds the waits between reconnections.
var zmqBackoff = struct{ Initial, Max time.Duration }{100 * time.Millisecond, 5 * time.Second}

// hashblockSub subscribes to endpoint's hashblock topic and signals wake
// on every message and every (re)connection. Its owner starts it with
// startHashblock and ends it with stop, which waits for its goroutine.
type hashblockSub struct {
	chain    string
	endpoint string
	wake     chan<- struct{}
	log      *slog.Logger
	metrics  *Metrics

	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// startHashblock starts the subscriber; wake should have a buffer of one:
// signals coalesce, a tip check answers them all.
func startHashblock(ctx context.Context, chain, endpoint string, wake chan<- struct{}, log *slog.Logger, m *Metrics) *hashblockSub {
	ctx, cancel := context.WithCancel(ctx)
	h := &hashblockSub{chain: chain, endpoint: endpoint, wake: wake, log: log, metrics: m, cancel: cancel}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		h.run(ctx)
	}()
	return h
}

// stop cancels the subscription and waits for its goroutine.
func (h *hashblockSub) stop() {
	h.cancel()
	h.wg.Wait()
}

func (h *hashblockSub) signal() {
	select {
	case h.wake <- struct{}{}:
	default: // a tip check is already due
	}
}

// run connects, receives until the connection fails, and reconnects with
// backoff until ctx ends.
func (h *hashblockSub) run(ctx context.Context) {
	wait := zmqBackoff.Initial
	for ctx.Err() == nil {
		received, err := h.session(ctx)
		if ctx.Err() != nil {
			return
		}
		if received {
			wait = zmqBackoff.Initial // it worked for a while: retry soon
		}
		h.metrics.zmq.WithLabelValues(h.chain, "reconnect").Inc()
		// Warn once per outage, not at every retry of a node that is
		// down or has no ZMQ.
		logf := h.log.Debug
		if received || wait == zmqBackoff.Initial {
			logf = h.log.Warn
		}
		logf("ZMQ hashblock subscription lost or refused; polling the tip meanwhile", "chain", h.chain, "err", err, "retry_in", wait)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, zmqBackoff.Max)
	}
}

// session is one connection: it returns when receiving fails (received
// tells whether any message came first) or ctx ends.
func (h *hashblockSub) session(ctx context.Context) (received bool, err error) {
	sub := zmq4.NewSub(ctx,
		zmq4.WithDialerMaxRetries(0), // run's backoff retries
		zmq4.WithDialerTimeout(5*time.Second),
		zmq4.WithLogger(log.New(io.Discard, "", 0)),
	)
	defer sub.Close()
	if err := sub.SetOption(zmq4.OptionSubscribe, "hashblock"); err != nil {
		return false, &ZMQError{Endpoint: h.endpoint, Op: "subscribe", Err: err}
	}
	if err := sub.Dial(h.endpoint); err != nil {
		return false, &ZMQError{Endpoint: h.endpoint, Op: "dial", Err: err}
	}
	h.log.Info("ZMQ hashblock subscription connected", "chain", h.chain, "endpoint", h.endpoint)
	// Blocks found while disconnected were announced to nobody.
	h.signal()
	var last hashblock
	for {
		msg, err := sub.Recv()
		if err != nil {
			return received, &ZMQError{Endpoint: h.endpoint, Op: "receive", Err: err}
		}
		n, perr := parseHashblock(msg.Frames)
		switch {
		case perr != nil:
			h.metrics.zmq.WithLabelValues(h.chain, "garbled").Inc()
			h.log.Warn("ignoring a ZMQ message", "chain", h.chain, "endpoint", h.endpoint, "err", perr)
		case received && last.Hash != "" && n.Seq != last.Seq+1:
			// Notifications were lost (the publisher's high-water mark,
			// a restarted node): the tip check below finds the blocks.
			h.metrics.zmq.WithLabelValues(h.chain, "gap").Inc()
			h.log.Info("ZMQ hashblock sequence gap", "chain", h.chain, "after", last.Seq, "got", n.Seq)
			fallthrough
		default:
			h.metrics.zmq.WithLabelValues(h.chain, "hashblock").Inc()
			h.log.Debug("ZMQ hashblock", "chain", h.chain, "hash", n.Hash, "seq", n.Seq)
			last = n
		}
		received = true
		h.signal()
	}
}
