package battery_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/battery"
	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/stream"
)

// TestDemoStatementsMatchTheChain runs the demo's statements (demo.sql)
// over a followed demo chain with reorgs and checks what they compute
// against the canonical chain: battery_status holds every registered
// battery with its owner, origin, blocked state and charge cycles (the
// number of its canonical charge events), and block_metrics counts the
// canonical blocks of every minute.
func TestDemoStatementsMatchTheChain(t *testing.T) {
	d := ingesttest.DemoChain(t, 80, 12)
	cat, err := catalog.New("", catalog.Chain{Name: "devchain", Contracts: d.Contracts})
	if err != nil {
		t.Fatal(err)
	}
	prog, err := cat.Compile(battery.Statements, stream.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var stages []stream.Query
	for _, q := range prog.Queries {
		stages = append(stages, q.Stages...)
	}
	tables := map[string]map[string]string{} // topic → key → value
	local := stream.NewLocal(stages, func(o stream.Output) {
		if tables[o.Topic] == nil {
			tables[o.Topic] = map[string]string{}
		}
		if o.Value == nil {
			delete(tables[o.Topic], string(o.Key))
		} else {
			tables[o.Topic][string(o.Key)] = string(o.Value)
		}
	})
	topics := kafka.TopicsFor("", "devchain")
	for _, e := range []string{chaintap.EntityEvents, chaintap.EntityBlocks, chaintap.EntityTransactions} {
		err := kafka.ReadTopic(context.Background(), d.Kafka, topics.Head(e), 0, func(r *kgo.Record) error {
			return local.Feed(context.Background(), record(r))
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for topic := range tables {
		if strings.HasSuffix(topic, ".errors") {
			t.Fatalf("records went to %s: %v", topic, tables[topic])
		}
	}
	checkBatteries(t, d.Kafka, tables["BATTERY_STATUS"])
	checkBlockMetrics(t, d.Kafka, tables["BLOCK_METRICS"])
}

func record(r *kgo.Record) stream.Record {
	hs := make([]stream.Header, len(r.Headers))
	for i, h := range r.Headers {
		hs[i] = stream.Header{Key: h.Key, Value: h.Value}
	}
	return stream.Record{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Key: r.Key, Value: r.Value,
		Headers: hs, Timestamp: r.Timestamp.UnixMilli()}
}

// checkBatteries compares battery_status with the canonical chain.
func checkBatteries(t *testing.T, kcfg kafka.Config, got map[string]string) {
	t.Helper()
	want := ingesttest.CanonicalBatteries(t, kcfg, "devchain")
	charged := 0
	for _, b := range want {
		if b.Charges > 0 {
			charged++
		}
	}
	if len(want) == 0 || charged == 0 {
		t.Fatal("the demo chain registered or charged no battery: the check proves nothing")
	}
	if d := ingesttest.BatteryDiff(got, want); d != "" {
		t.Fatal(d)
	}
}

// checkBlockMetrics: each minute's row counts the canonical blocks whose
// timestamp falls in it.
func checkBlockMetrics(t *testing.T, kcfg kafka.Config, got map[string]string) {
	t.Helper()
	want := map[int64]int64{}
	for _, v := range ingesttest.Fold(t, kcfg, kafka.TopicsFor("", "devchain").Head(chaintap.EntityBlocks)) {
		var b chaintap.Block
		if err := json.Unmarshal(v, &b); err != nil {
			t.Fatal(err)
		}
		ms := int64(b.Timestamp) * 1000
		want[ms-ms%60000]++
	}
	gotBlocks := map[int64]int64{}
	for _, v := range got {
		var m struct {
			Blocks int64 `json:"BLOCKS"`
			Start  int64 `json:"WINDOW_START"`
		}
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			t.Fatal(err)
		}
		gotBlocks[m.Start] = m.Blocks
	}
	if len(want) == 0 {
		t.Fatal("no blocks")
	}
	for start, n := range want {
		if gotBlocks[start] != n {
			t.Errorf("minute %d: %d blocks in block_metrics, %d canonical", start, gotBlocks[start], n)
		}
	}
	if len(gotBlocks) != len(want) {
		t.Errorf("block_metrics has %d minutes, the chain %d", len(gotBlocks), len(want))
	}
}
