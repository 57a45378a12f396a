package seal_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/mod/sumdb/note"

	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/seal"
)

// BenchmarkPassThrough is the ratio for the sealing path chaintap has:
// `chaintap seal` (seal.Pass) copying a topic, against the same copy
// unsealed (a read-committed consumer and a transaction per poll, each
// record with its source offset header, as Pass writes), on the same
// 20,000 records, alternating which goes first.
func BenchmarkPassThrough(b *testing.B) {
	s, _, _ := testKeys(b, "bench")
	_, kcfg := startBrokerB(b)
	createTopicB(b, kcfg, "raw")
	cl, err := kcfg.NewClient(kgo.DefaultProduceTopic("raw"))
	if err != nil {
		b.Fatal(err)
	}
	const n = 20000
	if err := cl.ProduceSync(context.Background(), benchRecords(n, 250)...).FirstErr(); err != nil {
		b.Fatal(err)
	}
	cl.Close()
	var ratios, plain, sealed []float64
	for i := 0; b.Loop(); i++ {
		copyTo, sealTo := fmt.Sprintf("copy-%d", i), fmt.Sprintf("sealed-%d", i)
		var p, q float64
		if i%2 == 0 {
			p, q = copyRun(b, kcfg, copyTo, n), passRun(b, kcfg, s, sealTo, n)
		} else {
			q, p = passRun(b, kcfg, s, sealTo, n), copyRun(b, kcfg, copyTo, n)
		}
		plain, sealed, ratios = append(plain, p), append(sealed, q), append(ratios, q/p)
	}
	b.ReportMetric(median(ratios), "sealed/unsealed")
	b.ReportMetric(median(plain), "copy-rec/s")
	b.ReportMetric(median(sealed), "seal-rec/s")
}

// passRun seals raw into to and returns records per second, timed until
// the checkpoint of all n records is committed.
func passRun(b *testing.B, kcfg kafka.Config, s note.Signer, to string, n int64) float64 {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	all := make(chan struct{})
	start := time.Now()
	go func() {
		done <- seal.Pass(ctx, seal.PassConfig{Kafka: kcfg, From: "raw", To: to, Signer: s, Every: 1000, Interval: time.Minute,
			OnCheckpoint: func(_ context.Context, c seal.Checkpoint) error {
				if c.Size == n {
					close(all)
				}
				return nil
			}})
	}()
	select {
	case <-all:
	case err := <-done:
		b.Fatal(err)
	}
	rate := float64(n) / time.Since(start).Seconds()
	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	return rate
}

// copyRun copies raw into to as Pass does, without the seal, and returns
// records per second.
func copyRun(b *testing.B, kcfg kafka.Config, to string, n int) float64 {
	ctx := context.Background()
	start := time.Now()
	createTopicB(b, kcfg, to)
	prod, err := kcfg.NewClient(kgo.DisableClientMetrics(), kgo.TransactionalID("copy-"+to), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		b.Fatal(err)
	}
	defer prod.Close()
	cons, err := kcfg.NewClient(kgo.DisableClientMetrics(), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"raw": {0: kgo.NewOffset().AtStart()}}))
	if err != nil {
		b.Fatal(err)
	}
	defer cons.Close()
	for copied := 0; copied < n; {
		recs := cons.PollRecords(ctx, 10000).Records()
		if err := prod.BeginTransaction(); err != nil {
			b.Fatal(err)
		}
		for _, r := range recs {
			prod.Produce(ctx, &kgo.Record{Topic: to, Partition: r.Partition, Key: r.Key, Value: r.Value, Timestamp: r.Timestamp,
				Headers: append(r.Headers[:len(r.Headers):len(r.Headers)], kgo.RecordHeader{Key: seal.HeaderSource, Value: strconv.AppendInt(nil, r.Offset, 10)})}, nil)
		}
		if err := prod.Flush(ctx); err != nil {
			b.Fatal(err)
		}
		if err := prod.EndTransaction(ctx, kgo.TryCommit); err != nil {
			b.Fatal(err)
		}
		copied += len(recs)
	}
	return float64(n) / time.Since(start).Seconds()
}
