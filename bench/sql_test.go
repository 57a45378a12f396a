package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/config"
	"github.com/chaintap/chaintap/contracts"
	"github.com/chaintap/chaintap/decode"
	"github.com/chaintap/chaintap/engine"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/stream"
)

// BenchmarkSQLRatio measures a battery_status-style aggregation (GROUP BY
// the battery, so the query re-keys through a repartition topic; COUNT and
// LATEST_BY_OFFSET; head-view input, so every event's contribution is
// remembered for retraction) over CHAINTAP_SQL_EVENTS decoded events
// (default 1,000,000) on two partitions, against the raw limit measured
// side by side: consuming the same topic with one franz-go client and
// JSON-decoding every value. Each iteration runs a fresh query (its own
// group, state and output topic) from the start of the topic until every
// event is processed. Reports ours/raw, both rates, and the seconds per
// million changelog records of restoring the query's state into an empty
// data directory (the changelogs are not compacted yet: every update of a
// group is one record).
func BenchmarkSQLRatio(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("CHAINTAP_SQL_EVENTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			b.Fatal(err)
		}
	}
	kcfg := sqlBroker(b)
	const topic = "devchain.events"
	produceEvents(b, kcfg, topic, n)
	var ratios, ours, raws, restores []float64
	for i := 0; i < b.N; i++ {
		raw := rawDecodeRate(b, kcfg, topic, n)
		rate, restore := sqlRate(b, kcfg, n, i)
		ratios, ours, raws, restores = append(ratios, rate/raw), append(ours, rate), append(raws, raw), append(restores, restore)
		b.Logf("pair %d: ours %.0f events/s, raw %.0f events/s, ratio %.2f; restore %.2f s per million changelog records", i, rate, raw, rate/raw, restore)
	}
	b.ReportMetric(median(ratios), "ours/raw")
	b.ReportMetric(median(ours), "events/s")
	b.ReportMetric(median(raws), "raw-events/s")
	b.ReportMetric(median(restores), "restore-s/Mrecords")
}

func sqlBroker(b *testing.B) kafka.Config {
	b.Helper()
	br, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(br.Close)
	return kafka.Config{Brokers: []string{br.Addr()}}
}

// produceEvents writes n ChargeRecorded events of 10,000 batteries, as the
// follower writes them, over two partitions.
func produceEvents(b *testing.B, kcfg kafka.Config, topic string, n int) {
	b.Helper()
	produceEventsFrom(b, kcfg, topic, 0, n)
}

// produceEventsFrom writes events first, first+1, … first+n-1.
func produceEventsFrom(b *testing.B, kcfg kafka.Config, topic string, first, n int) {
	b.Helper()
	cl, err := kcfg.NewClient(kgo.ProducerLinger(5*time.Millisecond), kgo.DisableClientMetrics())
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	if first == 0 {
		if _, err := kadm.NewClient(cl).CreateTopic(ctx, 2, -1, nil, topic); err != nil {
			b.Fatal(err)
		}
	}
	for i := first; i < first+n; i++ {
		battery := fmt.Sprintf("0x%040x", i%10_000)
		ev := chaintap.Event{Type: "event", Chain: "devchain", BlockNumber: uint64(i / 20), BlockHash: fmt.Sprintf("0x%064x", i/20),
			BlockTimestamp: 1_700_000_000 + uint64(i/20), TransactionHash: fmt.Sprintf("0x%064x", i), LogIndex: uint64(i % 20),
			ContractAddress: "0x00000000000000000000000000000000000000aa", ContractName: "BatteryRegistry",
			EventName: "ChargeRecorded", EventSignature: "ChargeRecorded(address,address,uint32)",
			Args: json.RawMessage(fmt.Sprintf(`{"battery":%q,"by":"0x00000000000000000000000000000000000000bb","chargeCycles":"%d"}`, battery, i/10_000))}
		v, _ := json.Marshal(ev)
		key := chaintap.LogKey(ev.TransactionHash, 0)
		cl.Produce(ctx, &kgo.Record{Topic: topic, Key: []byte(key), Value: v,
			Headers: []kgo.RecordHeader{{Key: kafka.HeaderOp, Value: []byte(kafka.OpUpsert)}}}, func(_ *kgo.Record, err error) {
			if err != nil {
				b.Error(err)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		b.Fatal(err)
	}
}

// rawDecodeRate is the limit: one plain client consuming the topic and
// decoding each value into the domain's Event.
func rawDecodeRate(b *testing.B, kcfg kafka.Config, topic string, n int) float64 {
	b.Helper()
	cl, err := kcfg.NewClient(kgo.ConsumeTopics(topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.DisableClientMetrics())
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	start := time.Now()
	for got := 0; got < n; {
		fs := cl.PollFetches(context.Background())
		if err := fs.Err(); err != nil {
			b.Fatal(err)
		}
		fs.EachRecord(func(r *kgo.Record) {
			var ev chaintap.Event
			if err := json.Unmarshal(r.Value, &ev); err != nil {
				b.Fatal(err)
			}
			got++
		})
	}
	return float64(n) / time.Since(start).Seconds()
}

// sqlRate runs the aggregation as query i until it has processed all n
// events, then restores its state into an empty data directory with a
// second engine; it returns events per second and restore seconds per
// million state keys.
func sqlRate(b *testing.B, kcfg kafka.Config, n, i int) (rate, restore float64) {
	b.Helper()
	contracts, err := batteryContracts()
	if err != nil {
		b.Fatal(err)
	}
	cat, err := catalog.New("", catalog.Chain{Name: "devchain", Contracts: contracts, ReorgWindow: config.DefaultReorgWindow})
	if err != nil {
		b.Fatal(err)
	}
	prog, err := cat.Compile(fmt.Sprintf(`SET 'auto.offset.reset' = 'earliest';
CREATE TABLE battery_status_%d AS
  SELECT args->battery AS id, COUNT(*) AS charges, LATEST_BY_OFFSET(args->chargeCycles) AS charge_cycles
  FROM devchain_events GROUP BY args->battery EMIT CHANGES;`, i), stream.Options{})
	if err != nil {
		b.Fatal(err)
	}
	q := prog.Queries[0]
	start := time.Now()
	runUntil(b, kcfg, b.TempDir(), q, nil, func(reg *prometheus.Registry) bool {
		return counter(reg, "chaintap_engine_records_total", q.ID) >= float64(n)
	})
	rate = float64(n) / time.Since(start).Seconds()
	// Restore: a new instance with an empty data directory rebuilds every
	// task's store from the changelogs (each event's remembered
	// contribution, for retraction, and each battery's group) when the
	// task's first new record arrives; a few more events make every task
	// start. The cost is the tasks' restore time over the records
	// restored.
	records, seconds := 0.0, 0.0
	runUntil(b, kcfg, b.TempDir(), q, func() { produceEventsFrom(b, kcfg, "devchain.events", n, 64) }, func(reg *prometheus.Registry) bool {
		records, seconds = 0, 0
		restored := 0
		for _, st := range q.Stages {
			records += counter(reg, "chaintap_engine_restore_records_total", st.ID)
			c, sum := histogram(reg, "chaintap_engine_restore_seconds", st.ID)
			restored, seconds = restored+int(c), seconds+sum
		}
		return restored >= 2*len(q.Stages) // every task of both partitions
	})
	return rate, seconds / (records / 1e6)
}

// runUntil runs q's stages on a new engine, calls started (if not nil),
// and waits until done says so, then stops the engine.
func runUntil(b *testing.B, kcfg kafka.Config, dir string, q catalog.Query, started func(), done func(*prometheus.Registry) bool) {
	b.Helper()
	reg := prometheus.NewRegistry()
	eng, err := engine.New(engine.Config{Kafka: kcfg, DataDir: dir, Metrics: reg, InstanceID: fmt.Sprintf("bench-%d", time.Now().UnixNano())})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- eng.Run(ctx, q.Stages...) }()
	if started != nil {
		started()
	}
	deadline := time.Now().Add(10 * time.Minute)
	for !done(reg) {
		select {
		case err := <-errc:
			b.Fatalf("engine stopped: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.Fatal("the query did not finish within 10 minutes")
		}
	}
	cancel()
	if err := <-errc; err != nil {
		b.Fatal(err)
	}
	eng.Close()
}

// histogram sums the sample counts and sums of a histogram's series
// whose query label is query.
func histogram(reg *prometheus.Registry, name, query string) (count uint64, sum float64) {
	for _, m := range series(reg, name, query) {
		count += m.GetHistogram().GetSampleCount()
		sum += m.GetHistogram().GetSampleSum()
	}
	return count, sum
}

// counter sums a counter's series whose query label is query.
func counter(reg *prometheus.Registry, name, query string) float64 {
	sum := 0.0
	for _, m := range series(reg, name, query) {
		sum += m.GetCounter().GetValue()
	}
	return sum
}

// series are the metric's series whose query label is query.
func series(reg *prometheus.Registry, name, query string) []*dto.Metric {
	mfs, _ := reg.Gather()
	var out []*dto.Metric
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "query" && l.GetValue() == query {
					out = append(out, m)
				}
			}
		}
	}
	return out
}

func batteryContracts() ([]decode.Contract, error) {
	c, err := decode.ParseContract("BatteryRegistry", "*", contracts.BatteryRegistryABI)
	return []decode.Contract{c}, err
}
