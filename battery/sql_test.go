package battery_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/battery"
	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/refdata"
	"github.com/chaintap/chaintap/stream"
)

// TestDemoStatementsMatchTheChain runs the demo's statements (demo.sql)
// over a followed demo chain with reorgs and checks what they compute
// against the canonical chain: battery_status holds every registered
// battery with its owner, origin, blocked state and charge cycles (the
// number of its canonical charge events), and block_metrics counts the
// canonical blocks of every minute. Then the off-chain half: the stations
// from the repository's CSV and charging sessions of random batteries,
// joined into enriched_transactions (each session with its station and
// its battery's state) and battery_notifications (sessions of blocked
// batteries).
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
	streams := map[string][]string{}         // topic → values in order
	local := stream.NewLocal(stages, func(o stream.Output) {
		streams[o.Topic] = append(streams[o.Topic], string(o.Value))
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

	sessions := feedOffChain(t, cat, local, tables["BATTERY_STATUS"])
	checkEnrichment(t, sessions, tables["BATTERY_STATUS"], streams["ENRICHED_TRANSACTIONS"], streams["BATTERY_NOTIFICATIONS"])
}

// feedOffChain feeds the stations of the repository's CSV and 300
// charging sessions (of the batteries in status and of one unknown
// battery); it returns the sessions' values.
func feedOffChain(t *testing.T, cat *catalog.Catalog, local *stream.Local, status map[string]string) []string {
	t.Helper()
	tab, err := refdata.NewTable(cat.Source("CHARGING_STATIONS"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(battery.StationsCSV)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for i, row := range rows[1:] {
		obj := map[string]string{}
		for j, col := range rows[0] {
			obj[col] = row[j]
		}
		raw, _ := json.Marshal(obj)
		rec, err := tab.Upsert(raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := local.Feed(context.Background(), stream.Record{Topic: rec.Topic, Offset: int64(i), Key: rec.Key, Value: rec.Value}); err != nil {
			t.Fatal(err)
		}
	}
	ids, _ := battery.StationIDs()
	var batteries []string
	for id := range status {
		batteries = append(batteries, id)
	}
	gen := battery.Sessions{Batteries: append(batteries, "0x00000000000000000000000000000000000000ff"), Stations: ids}
	rng := rand.New(rand.NewPCG(1, 2))
	var values []string
	for n := range 300 {
		rec := gen.Session(rng, n)
		values = append(values, string(rec.Value))
		if err := local.Feed(context.Background(), stream.Record{Topic: rec.Topic, Offset: int64(n), Key: rec.Key, Value: rec.Value,
			Timestamp: int64(n)}); err != nil {
			t.Fatal(err)
		}
	}
	return values
}

// checkEnrichment: every session of a known battery is enriched once,
// with its station's city and its battery's state; the unknown battery's
// are dropped (an inner join); exactly the sessions of blocked batteries
// are notified.
func checkEnrichment(t *testing.T, sessions []string, status map[string]string, enriched, notified []string) {
	t.Helper()
	type session struct {
		SessionID string `json:"SESSION_ID"`
		Battery   string `json:"BATTERY"`
	}
	type state struct {
		Blocked      bool  `json:"BLOCKED"`
		ChargeCycles int64 `json:"CHARGE_CYCLES"`
	}
	wantEnriched, wantNotified := map[string]state{}, map[string]bool{}
	for _, v := range sessions {
		var s session
		if err := json.Unmarshal([]byte(v), &s); err != nil {
			t.Fatal(err)
		}
		raw, ok := status[s.Battery]
		if !ok {
			continue
		}
		var st state
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			t.Fatal(err)
		}
		wantEnriched[s.SessionID] = st
		if st.Blocked {
			wantNotified[s.SessionID] = true
		}
	}
	if len(wantNotified) == 0 || len(wantNotified) == len(wantEnriched) {
		t.Fatalf("%d of %d sessions are of blocked batteries: the check proves little", len(wantNotified), len(wantEnriched))
	}
	got := map[string]bool{}
	for _, v := range enriched {
		var e struct {
			SessionID string `json:"SESSION_ID"`
			City      string `json:"CITY"`
			state
		}
		if err := json.Unmarshal([]byte(v), &e); err != nil {
			t.Fatal(err)
		}
		want, ok := wantEnriched[e.SessionID]
		if !ok || got[e.SessionID] || e.City == "" || e.state != want {
			t.Errorf("enriched row %s: want %+v (expected: %v, seen before: %v)", v, want, ok, got[e.SessionID])
		}
		got[e.SessionID] = true
	}
	if len(got) != len(wantEnriched) {
		t.Errorf("%d sessions enriched, want %d", len(got), len(wantEnriched))
	}
	gotNotified := map[string]bool{}
	for _, v := range notified {
		var n struct {
			SessionID string `json:"SESSION_ID"`
		}
		_ = json.Unmarshal([]byte(v), &n)
		gotNotified[n.SessionID] = true
	}
	if !maps.Equal(gotNotified, wantNotified) || len(notified) != len(wantNotified) {
		t.Errorf("notified %d sessions (%d distinct), want %d; enriched %d", len(notified), len(gotNotified), len(wantNotified), len(enriched))
	}
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
		var b chaintap.EVMBlock
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
