package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/stream"
)

// TestOldEventsSurviveRetention re-keys events whose time is years old (a
// chain's history) through the repartition topic, lets the broker apply
// its time retention (7 days by default) before the second stage reads
// them, and then runs the second stage: every event is counted. The
// engine's topics must not expire by time what a later stage has not read;
// what it has read and committed, the engine deletes itself.
func TestOldEventsSurviveRetention(t *testing.T) {
	br, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close()
	cfg := kafka.Config{Brokers: []string{br.Addr()}}
	makeTopic(t, cfg, "charges", 2)
	cat, err := catalog.New("")
	if err != nil {
		t.Fatal(err)
	}
	prog, err := cat.Compile(`SET 'auto.offset.reset' = 'earliest';
CREATE STREAM charges (id STRING KEY, station STRING) WITH (KAFKA_TOPIC='charges', VALUE_FORMAT='JSON', PARTITIONS=2);
CREATE TABLE per_station AS SELECT station, COUNT(*) AS n FROM charges GROUP BY station EMIT CHANGES;`, stream.Options{})
	if err != nil {
		t.Fatal(err)
	}
	stages := prog.Queries[0].Stages
	if len(stages) != 2 {
		t.Fatalf("%d stages, want a re-keying and an aggregating one", len(stages))
	}
	const n = 500
	old := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
	cl, err := cfg.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for i := range n {
		rec := &kgo.Record{Topic: "charges", Key: fmt.Appendf(nil, "c%d", i), Value: fmt.Appendf(nil, `{"STATION":"s%d"}`, i%7),
			Timestamp: old.Add(time.Duration(i) * time.Minute)}
		if err := cl.ProduceSync(context.Background(), rec).FirstErr(); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	first := start(t, cfg, "a", dir, stages[0])
	waitFor(t, 60*time.Second, "the re-keying stage", func() bool { return first.counter(t, "chaintap_engine_records_total") >= n })
	if err := first.stop(); err != nil {
		t.Fatal(err)
	}
	br.ApplyRetention()
	second := start(t, cfg, "a", dir, stages[1])
	waitFor(t, 60*time.Second, "the aggregating stage to count every event", func() bool {
		return second.counter(t, "chaintap_engine_records_total") >= n
	})
	total := 0
	for _, v := range readTable(t, cfg, "PER_STATION") {
		var row struct{ N int }
		if err := json.Unmarshal(v, &row); err != nil {
			t.Fatal(err)
		}
		total += row.N
	}
	if total != n {
		t.Errorf("per_station counts %d events, want %d", total, n)
	}
	// Kept without time retention, consumed repartition records are
	// deleted once the aggregating stage committed past them.
	cl2, err := cfg.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer cl2.Close()
	repartition := stages[0].Outputs[0].Name
	waitFor(t, 30*time.Second, "the consumed repartition records to be deleted", func() bool {
		starts, err := kadm.NewClient(cl2).ListStartOffsets(context.Background(), repartition)
		if err != nil {
			return false
		}
		deleted := int64(0)
		starts.Each(func(o kadm.ListedOffset) { deleted += o.Offset })
		return deleted >= n
	})
}

// readTable folds a table's topic: key → latest value.
func readTable(t *testing.T, cfg kafka.Config, topic string) map[string][]byte {
	t.Helper()
	rows := map[string][]byte{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := kafka.ReadTopic(ctx, cfg, topic, 0, func(r *kgo.Record) error {
		if r.Value == nil {
			delete(rows, string(r.Key))
		} else {
			rows[string(r.Key)] = r.Value
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return rows
}
