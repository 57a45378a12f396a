package engine

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/kafka"
)

// TestKfakeCompactsPastOpenTransaction reproduces, in the fewest steps, two
// ways the embedded broker's compaction (kfake at the version in go.mod)
// differs from Kafka's, and fails once kfake behaves like Kafka, so that
// the workarounds can go:
//
//  1. It compacts records of transactions still open: a committed record
//     is removed because an open transaction wrote the same key later,
//     and when that transaction aborts, the key's committed value is gone
//     for every read_committed reader. Kafka's cleaner stops at the first
//     unstable offset. A changelog loses state this way when a compaction
//     runs while a crashed instance's transaction is open (from the crash
//     to its restart, or to the transaction timeout); TestExactlyOnceUnder
//     Crashes therefore compacts only while nothing is open.
//  2. It moves the log start offset past the records it removed; Kafka's
//     compaction leaves the log start offset alone. A store whose
//     changelog offset falls below the new start is rebuilt in full
//     (staleReason) where replaying its tail would have done.
func TestKfakeCompactsPastOpenTransaction(t *testing.T) {
	ctx := context.Background()
	c, err := kfake.NewCluster(kfake.NumBrokers(1))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cfg := kafka.Config{Brokers: c.ListenAddrs()}
	adm, err := cfg.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer adm.Close()
	if _, err := kadm.NewClient(adm).CreateTopic(ctx, 1, 1, map[string]*string{"cleanup.policy": kadm.StringPtr("compact")}, "t"); err != nil {
		t.Fatal(err)
	}
	txn := func(id string) *kgo.Client {
		cl, err := cfg.NewClient(kgo.TransactionalID(id), kgo.DefaultProduceTopic("t"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(cl.Close)
		if err := cl.BeginTransaction(); err != nil {
			t.Fatal(err)
		}
		return cl
	}
	produce := func(cl *kgo.Client, k, v string) {
		if err := cl.ProduceSync(ctx, &kgo.Record{Key: []byte(k), Value: []byte(v)}).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	end := func(cl *kgo.Client, commit kgo.TransactionEndTry) {
		if err := cl.EndTransaction(ctx, commit); err != nil {
			t.Fatal(err)
		}
	}

	a := txn("a")
	produce(a, "k", "committed") // offset 0
	end(a, kgo.TryCommit)
	b := txn("b")
	produce(b, "k", "open") // an open transaction writes k again
	if err := a.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	produce(a, "other", "x") // a later batch: b's is not the active one
	end(a, kgo.TryCommit)
	c.Compact()
	end(b, kgo.TryAbort)

	got := map[string]string{}
	if err := kafka.ReadTopic(ctx, cfg, "t", 0, func(r *kgo.Record) error {
		got[string(r.Key)] = string(r.Value)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	starts, err := kadm.NewClient(adm).ListStartOffsets(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	start, _ := starts.Lookup("t", 0)
	t.Logf("after compacting and aborting: %v; log start offset %d", got, start.Offset)
	if _, ok := got["k"]; ok {
		t.Error("kfake kept the committed record of k: issue 1 is fixed; TestExactlyOnceUnderCrashes may let the broker compact on its own again")
	}
	if start.Offset == 0 {
		t.Error("kfake left the log start offset at 0 when compacting: issue 2 is fixed; update the comments that mention it")
	}
}
