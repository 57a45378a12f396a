package kafka_test

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/kafka"
)

// TestReadTopicPastAnAbortedTail: a reader that listed the end offsets
// while a transaction was open, which is then aborted (a follower killed
// mid-transaction and restarted), finishes as soon as the abort is
// written. The aborted records are never delivered, so the abort marker,
// past the end the reader listed, is the first thing it sees there; a
// reader waiting for a record just below that end waited out its
// two-minute limit instead.
func TestReadTopicPastAnAbortedTail(t *testing.T) {
	ctx := context.Background()
	b, cfg := startBroker(t, "")
	defer b.Close()
	const topic = "t"
	produce := func(cl *kgo.Client, value string) {
		t.Helper()
		if err := cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte(value)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	plain, err := cfg.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, err := kadm.NewClient(plain).CreateTopic(ctx, 1, -1, nil, topic); err != nil {
		t.Fatal(err)
	}
	produce(plain, "committed")

	txn, err := cfg.NewClient(kgo.TransactionalID("killed-follower"))
	if err != nil {
		t.Fatal(err)
	}
	defer txn.Close()
	if err := txn.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	produce(txn, "aborted 1")
	produce(txn, "aborted 2")

	type result struct {
		values []string
		err    error
		took   time.Duration
	}
	done := make(chan result, 1)
	go func() {
		start := time.Now()
		var vs []string
		err := kafka.ReadTopic(ctx, cfg, topic, 0, func(r *kgo.Record) error { vs = append(vs, string(r.Value)); return nil })
		done <- result{vs, err, time.Since(start)}
	}()
	// Let the reader list the end offsets (past the open transaction)
	// and wait at the stable offset; then abort.
	time.Sleep(time.Second)
	if err := txn.EndTransaction(ctx, kgo.TryAbort); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-done:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if len(r.values) != 1 || r.values[0] != "committed" {
			t.Fatalf("read %q, want only the committed record", r.values)
		}
		t.Logf("finished %v after it started", r.took.Round(time.Millisecond))
	case <-time.After(20 * time.Second):
		t.Fatal("the reader did not finish within 20 s of the abort")
	}
}
