// Package ingesttest holds what the ingest tests share: an embedded broker,
// a simulated chain with traffic, and the checks of guarantees 1 and 2
// (folding the head view equals the canonical chain; the confirmed view
// holds every canonical block once, in order).
package ingesttest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/decode"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/kafka"
)

// Decoder returns a decoder of the standard token interfaces.
func Decoder(t testing.TB) *decode.Decoder {
	t.Helper()
	d, err := decode.NewStandardDecoder(nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Broker starts an in-memory embedded broker on a free loopback port.
func Broker(t testing.TB) kafka.Config {
	t.Helper()
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return kafka.Config{Brokers: []string{b.Addr()}}
}

// Chain starts a simulated chain with the log emitter deployed; it is
// served over HTTP/WS on a free loopback port when served is true.
func Chain(t testing.TB, served bool) (*devchain.Chain, *devchain.Traffic) {
	t.Helper()
	cfg := devchain.Config{}
	if served {
		cfg.Addr = "127.0.0.1:0"
	}
	c, err := devchain.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	tr, err := devchain.NewTraffic(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return c, tr
}

// Logger logs to the test output when CHAINTAP_TEST_LOG is set.
func Logger() *slog.Logger {
	if os.Getenv("CHAINTAP_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// Fold applies a head-view topic's records in order: an upsert sets the
// key's value, a retraction deletes it.
func Fold(t testing.TB, cfg kafka.Config, topic string) map[string]json.RawMessage {
	t.Helper()
	return fold(t, cfg, topic, false)
}

// fold folds topic; it fails on a retraction of a key that is not there,
// and, when strict, on an upsert of a key that is (a duplicate).
func fold(t testing.TB, cfg kafka.Config, topic string, strict bool) map[string]json.RawMessage {
	t.Helper()
	state := map[string]json.RawMessage{}
	err := kafka.ReadTopic(context.Background(), cfg, topic, 0, func(r *kgo.Record) error {
		_, there := state[string(r.Key)]
		switch op := kafka.Op(r); {
		case op == kafka.OpRetract && !there:
			return fmt.Errorf("%s offset %d retracts key %s, which is not there", topic, r.Offset, r.Key)
		case op == kafka.OpRetract:
			delete(state, string(r.Key))
		case there && strict:
			return fmt.Errorf("%s offset %d publishes key %s again", topic, r.Offset, r.Key)
		default:
			state[string(r.Key)] = append(json.RawMessage(nil), r.Value...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return state
}

// Expected returns the head view the canonical chain from..to should fold
// to, per entity, as read from the node now.
func Expected(t testing.TB, src chaintap.BlockSource, from, to uint64) map[string]map[string]json.RawMessage {
	t.Helper()
	return canonicalRecords(t, src, from, to, false)
}

// canonicalRecords reads blocks from..to from the node and returns their
// records per entity, by key: the head view's keys, or the confirmed
// view's.
func canonicalRecords(t testing.TB, src chaintap.BlockSource, from, to uint64, confirmed bool) map[string]map[string]json.RawMessage {
	t.Helper()
	want := map[string]map[string]json.RawMessage{}
	for n := from; n <= to; n++ {
		b, err := src.BlockByNumber(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range kafka.BlockRecords(b, confirmed) {
			v, err := json.Marshal(r.Value)
			if err != nil {
				t.Fatal(err)
			}
			if want[r.Entity] == nil {
				want[r.Entity] = map[string]json.RawMessage{}
			}
			want[r.Entity][r.Key] = v
		}
	}
	return want
}

// CheckHeadView fails unless folding each head topic gives exactly the
// canonical chain's records from..to.
func CheckHeadView(t testing.TB, cfg kafka.Config, topics kafka.Topics, src chaintap.BlockSource, from, to uint64) {
	t.Helper()
	want := Expected(t, src, from, to)
	for _, entity := range topics.Entities() {
		got := Fold(t, cfg, topics.Head(entity))
		w := want[entity]
		for k, v := range w {
			g, ok := got[k]
			if !ok {
				t.Fatalf("%s: canonical key %s missing from the folded head view", entity, k)
			}
			if !bytes.Equal(g, v) {
				t.Fatalf("%s: key %s folds to\n%s\nwant\n%s", entity, k, g, v)
			}
		}
		for k := range got {
			if _, ok := w[k]; !ok {
				t.Fatalf("%s: key %s is in the folded head view but not on the canonical chain", entity, k)
			}
		}
	}
}

// CheckConfirmed fails unless the confirmed blocks topic holds exactly the
// canonical blocks from..upTo, each once, in order, and the confirmed
// transactions topic holds each of their transactions once.
func CheckConfirmed(t testing.TB, cfg kafka.Config, topics kafka.Topics, src chaintap.BlockSource, from, upTo uint64) {
	t.Helper()
	checkConfirmed(t, cfg, topics, src, from, upTo, true, nil)
}

// CheckConfirmedAccepting is CheckConfirmed after confirmed reorgs were
// accepted (ingest --accept-reorg): a confirmed block may be one of the
// accepted orphans (by hash), and a transaction of an orphan appears again
// with the block that re-included it, once per block.
func CheckConfirmedAccepting(t testing.TB, cfg kafka.Config, topics kafka.Topics, src chaintap.BlockSource, from, upTo uint64, accepted map[string]bool) {
	t.Helper()
	checkConfirmed(t, cfg, topics, src, from, upTo, true, accepted)
}

// CheckConfirmedPrefix is CheckConfirmed for a follower that is still
// running: the view may go on past upTo, but must reach it.
func CheckConfirmedPrefix(t testing.TB, cfg kafka.Config, topics kafka.Topics, src chaintap.BlockSource, from, upTo uint64) {
	t.Helper()
	checkConfirmed(t, cfg, topics, src, from, upTo, false, nil)
}

func checkConfirmed(t testing.TB, cfg kafka.Config, topics kafka.Topics, src chaintap.BlockSource, from, upTo uint64, exact bool, accepted map[string]bool) {
	t.Helper()
	ctx := context.Background()
	next := from
	err := kafka.ReadTopic(ctx, cfg, topics.Confirmed(chaintap.EntityBlocks), 0, func(r *kgo.Record) error {
		var b chaintap.Header // every family's block record has number and hash
		if err := json.Unmarshal(r.Value, &b); err != nil {
			return err
		}
		if b.Number != next {
			return fmt.Errorf("confirmed blocks offset %d: block %d, want %d", r.Offset, b.Number, next)
		}
		h, err := src.HeaderByNumber(ctx, b.Number)
		if err != nil {
			return err
		}
		if h.Hash != b.Hash && !accepted[b.Hash] {
			return fmt.Errorf("confirmed block %d is %s, canonical is %s", b.Number, b.Hash, h.Hash)
		}
		next++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if next < upTo+1 || exact && next != upTo+1 {
		t.Fatalf("confirmed view ends at block %d, want %d", int64(next)-1, upTo)
	}
	seen := map[string]bool{}
	err = kafka.ReadTopic(ctx, cfg, topics.Confirmed(chaintap.EntityTransactions), 0, func(r *kgo.Record) error {
		id := string(r.Key)
		if accepted != nil {
			id += " in block " + header(r, kafka.HeaderBlockHash)
		}
		if seen[id] {
			return fmt.Errorf("transaction %s is twice in the confirmed view", id)
		}
		seen[id] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func header(r *kgo.Record, key string) string {
	for _, h := range r.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}

// WaitFor polls cond every 10ms until it holds or d passes.
func WaitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Itoa is strconv.FormatUint for block numbers in messages.
func Itoa(n uint64) string { return strconv.FormatUint(n, 10) }

// CheckConfirmedFolded fails unless folding each confirmed topic (upserts
// set, retractions delete) gives exactly the canonical chain's records
// from..upTo in the confirmed view's keys. The fold is strict: an upsert
// of a key already there is a duplicate, a retraction of a key not there
// retracts nothing that was published. It checks a confirmed view that
// was corrected after a reorg (on_confirmed_reorg: correct).
func CheckConfirmedFolded(t testing.TB, cfg kafka.Config, topics kafka.Topics, src chaintap.BlockSource, from, upTo uint64) {
	t.Helper()
	want := canonicalRecords(t, src, from, upTo, true)
	for _, entity := range topics.Entities() {
		got := fold(t, cfg, topics.Confirmed(entity), true)
		if len(got) != len(want[entity]) {
			t.Fatalf("%s: the folded confirmed view has %d keys, the canonical chain %d up to block %d", entity, len(got), len(want[entity]), upTo)
		}
		for k, v := range want[entity] {
			if !bytes.Equal(got[k], v) {
				t.Fatalf("%s: confirmed key %s folds to\n%s\nwant\n%s", entity, k, got[k], v)
			}
		}
	}
}

// Reorgs returns the chain's reorg records, oldest first.
func Reorgs(t testing.TB, cfg kafka.Config, topics kafka.Topics) []chaintap.Reorg {
	t.Helper()
	var out []chaintap.Reorg
	err := kafka.ReadTopic(context.Background(), cfg, topics.Reorgs(), 0, func(r *kgo.Record) error {
		var ev chaintap.Reorg
		if err := json.Unmarshal(r.Value, &ev); err != nil {
			return fmt.Errorf("%s offset %d: %w", topics.Reorgs(), r.Offset, err)
		}
		if string(r.Key) != ev.ID() {
			return fmt.Errorf("%s offset %d: key %s, want the reorg's ID %s", topics.Reorgs(), r.Offset, r.Key, ev.ID())
		}
		out = append(out, ev)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Background runs run in a goroutine until the returned stop is called
// (or the test ends): stop cancels run's context, waits for it and
// returns its error, the same error on every call.
func Background(t testing.TB, run func(context.Context) error) (stop func() error) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	var once sync.Once
	var res error
	stop = func() error {
		once.Do(func() { cancel(); res = <-done })
		return res
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}
