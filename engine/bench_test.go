package engine

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/kafka"
)

// BenchmarkEngineThroughput runs b.N records through the count query (a
// store read and write and an output per record, the changelog and the
// offsets in one transaction per poll) on one partition of the embedded
// broker, from the engine's start (joining the group included) to the last
// commit. Beside it, the same topic is consumed by a plain franz-go client
// (read_committed, no processing): records/s and raw-records/s, and their
// ratio ours/raw. Run it with a fixed count, e.g. -benchtime=200000x:
// with few records the start dominates.
func BenchmarkEngineThroughput(b *testing.B) {
	cfg := startBroker(b)
	makeTopic(b, cfg, "bench-in", 1)
	for i := 0; i < b.N; i += 10000 {
		produce(b, cfg, "bench-in", inputs(min(10000, b.N-i), 1000, i))
	}
	raw := consumeAll(b, cfg, "bench-in", b.N)

	b.ResetTimer()
	r := start(b, cfg, "bench", b.TempDir(), countQuery("bench", "bench-in"))
	for r.counter(b, "chaintap_engine_records_total") < float64(b.N) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	ours := b.Elapsed()
	if err := r.stop(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/ours.Seconds(), "records/s")
	b.ReportMetric(float64(b.N)/raw.Seconds(), "raw-records/s")
	b.ReportMetric(raw.Seconds()/ours.Seconds(), "ours/raw")
}

// consumeAll reads n records of topic from its start with a plain client
// and returns how long it took.
func consumeAll(b *testing.B, cfg kafka.Config, topic string, n int) time.Duration {
	b.Helper()
	began := time.Now()
	cl, err := cfg.NewClient(
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for got := 0; got < n; {
		fs := cl.PollFetches(ctx)
		if err := fs.Err0(); err != nil {
			b.Fatal(err)
		}
		got += fs.NumRecords()
	}
	return time.Since(began)
}
