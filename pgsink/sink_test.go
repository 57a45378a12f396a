package pgsink_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/internal/pgtest"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/pgsink"
)

func produce(t *testing.T, kcfg kafka.Config, rs ...*kgo.Record) {
	t.Helper()
	cl, err := kcfg.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := kafka.CreateTopic(context.Background(), kadm.NewClient(cl), 2, -1, nil, rs[0].Topic); err != nil {
		t.Error(err)
		return
	}
	if err := cl.ProduceSync(context.Background(), rs...).FirstErr(); err != nil {
		t.Error(err)
	}
}

func runSink(t *testing.T, cfg pgsink.Config) (stop func() error) {
	t.Helper()
	s, err := pgsink.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return ingesttest.Background(t, s.Run)
}

// TestSinkUpsertsDeletesAndTypes: the table is created from the columns;
// upserts (the last per key within a batch wins), tombstones and retract
// headers delete, and every type lands exactly (a 78-digit decimal).
func TestSinkUpsertsDeletesAndTypes(t *testing.T) {
	pg := pgtest.Start(t)
	kcfg := ingesttest.Broker(t)
	src, err := pgsink.SourceFromColumns("id STRING KEY, amount DECIMAL(78,0), n BIGINT, ok BOOLEAN, f DOUBLE, tags ARRAY<STRING>, s STRUCT<a INT>, ts TIMESTAMP", "in", "")
	if err != nil {
		t.Fatal(err)
	}
	big := "115792089237316195423570985008687907853269984665640564039457584007913129639935"
	produce(t, kcfg,
		&kgo.Record{Topic: "in", Key: []byte("a"), Value: []byte(`{"AMOUNT":1,"N":1}`)},
		&kgo.Record{Topic: "in", Key: []byte("a"), Value: []byte(`{"AMOUNT":` + big + `,"N":2,"OK":true,"F":0.5,"TAGS":["x","y"],"S":{"A":7},"TS":1700000000123}`)},
		&kgo.Record{Topic: "in", Key: []byte("b"), Value: []byte(`{"N":3}`)},
		&kgo.Record{Topic: "in", Key: []byte("c"), Value: []byte(`{"N":4}`)},
		&kgo.Record{Topic: "in", Key: []byte("c")}, // tombstone
		&kgo.Record{Topic: "in", Key: []byte("d"), Value: []byte(`{"N":5}`)},
	)
	runSink(t, pgsink.Config{Name: "s1", DSN: pg.DSN(), Table: pgsink.Table{Schema: "public", Name: "out"}, Topic: "in",
		Source: src, Kafka: kcfg, CreateTable: true})
	row := `SELECT concat_ws('|', id, amount, n, ok, f, tags, s, to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS')) FROM out ORDER BY id`
	ingesttest.WaitFor(t, 30*time.Second, "3 rows", func() bool { return len(pg.Rows(t, row)) == 3 })
	got := pg.Rows(t, row)
	want := []string{"a|" + big + `|2|t|0.5|["x", "y"]|{"A": 7}|2023-11-14 22:13:20.123`, "b|3", "d|5"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rows\n got %q\nwant %q", got, want)
	}
	produce(t, kcfg, &kgo.Record{Topic: "in", Key: []byte("b"), Headers: []kgo.RecordHeader{{Key: "op", Value: []byte("retract")}}},
		&kgo.Record{Topic: "in", Key: []byte("d"), Value: []byte(`{"N":6}`)})
	ingesttest.WaitFor(t, 30*time.Second, "b deleted, d updated", func() bool {
		return fmt.Sprint(pg.Rows(t, `SELECT id || n FROM out ORDER BY id`)) == "[a2 d6]"
	})
}

// TestSinkExactlyOnce: a keyless stream (every record a new row, so a
// record applied twice is a second row) while the sink's connections are
// terminated and the sink restarted again and again: each record lands
// once.
func TestSinkExactlyOnce(t *testing.T) {
	pg := pgtest.Start(t)
	kcfg := ingesttest.Broker(t)
	src, err := pgsink.SourceFromColumns("seq BIGINT, p STRING", "events", "")
	if err != nil {
		t.Fatal(err)
	}
	cfg := pgsink.Config{Name: "eos", DSN: pg.DSN(), Table: pgsink.Table{Schema: "public", Name: "events"}, Topic: "events",
		Source: src, Kafka: kcfg, CreateTable: true, BatchSize: 50, RetryInitial: 10 * time.Millisecond, RetryMax: 100 * time.Millisecond}
	const n = 5000
	rng := rand.New(rand.NewPCG(1, 2))
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		for i := 0; i < n; i += 250 {
			var rs []*kgo.Record
			for j := i; j < i+250; j++ {
				v, _ := json.Marshal(map[string]any{"SEQ": j, "P": "x"})
				rs = append(rs, &kgo.Record{Topic: "events", Value: v})
			}
			produce(t, kcfg, rs...)
		}
	}()
	count := `SELECT count(*)::text FROM events`
	for range 8 {
		stop := runSink(t, cfg)
		time.Sleep(time.Duration(100+rng.IntN(300)) * time.Millisecond)
		pg.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'postgres' AND pid <> pg_backend_pid() AND backend_type = 'client backend'`)
		time.Sleep(time.Duration(rng.IntN(200)) * time.Millisecond)
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	}
	<-produced
	runSink(t, cfg)
	ingesttest.WaitFor(t, time.Minute, fmt.Sprintf("%d rows", n), func() bool {
		c := pg.Rows(t, count)
		if len(c) == 1 && len(c[0]) > len(fmt.Sprint(n)) || len(c) == 1 && len(c[0]) == len(fmt.Sprint(n)) && c[0] > fmt.Sprint(n) {
			t.Fatalf("%s rows for %d records: records applied twice", c[0], n)
		}
		return len(c) == 1 && c[0] == fmt.Sprint(n)
	})
	if d := pg.Rows(t, `SELECT count(DISTINCT seq)::text FROM events`); d[0] != fmt.Sprint(n) {
		t.Fatalf("%s distinct records in %d rows", d[0], n)
	}
}

// TestSinkBinaryCopy: a table of the types the sink writes in COPY's
// binary format itself (no ARRAY/STRUCT column, so that path is taken):
// every value lands exactly, numerics of every shape included.
func TestSinkBinaryCopy(t *testing.T) {
	pg := pgtest.Start(t)
	kcfg := ingesttest.Broker(t)
	src, err := pgsink.SourceFromColumns("id BIGINT KEY, a DECIMAL(78,0), b DECIMAL(12,4), c DOUBLE, d BOOLEAN, e BYTES, f TIMESTAMP, g DATE, h INT, s STRING", "bin", "")
	if err != nil {
		t.Fatal(err)
	}
	key := func(i int64) []byte { return []byte{0, 0, 0, 0, 0, 0, byte(i >> 8), byte(i)} }
	big := "115792089237316195423570985008687907853269984665640564039457584007913129639935"
	produce(t, kcfg,
		&kgo.Record{Topic: "bin", Key: key(1), Value: []byte(`{"A":` + big + `,"B":12345678.1234,"C":-0.25,"D":true,"E":"AQID","F":1700000000123,"G":19000,"H":-7,"S":"héllo"}`)},
		&kgo.Record{Topic: "bin", Key: key(2), Value: []byte(`{"A":0,"B":0.0001,"C":1e300,"D":false,"F":-1000,"G":-1,"H":2147483647,"S":""}`)},
		&kgo.Record{Topic: "bin", Key: key(3), Value: []byte(`{"A":-10000,"B":-1.5,"S":"x"}`)},
		&kgo.Record{Topic: "bin", Key: key(4), Value: []byte(`{"A":100000000,"B":10000}`)},
	)
	runSink(t, pgsink.Config{Name: "bin", DSN: pg.DSN(), Table: pgsink.Table{Schema: "public", Name: "bin"}, Topic: "bin",
		Source: src, Kafka: kcfg, CreateTable: true})
	q := `SELECT concat_ws('|', id, a, b, c, d, encode(e, 'hex'), to_char(f AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS'), g, h, s) FROM bin ORDER BY id`
	ingesttest.WaitFor(t, 30*time.Second, "4 rows", func() bool { return len(pg.Rows(t, q)) == 4 })
	want := []string{
		"1|" + big + "|12345678.1234|-0.25|t|010203|2023-11-14 22:13:20.123|2022-01-08|-7|héllo",
		"2|0|0.0001|1e+300|f|1969-12-31 23:59:59.000|1969-12-31|2147483647|",
		"3|-10000|-1.5000|x",
		"4|100000000|10000.0000",
	}
	if got := pg.Rows(t, q); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rows\n got %q\nwant %q", got, want)
	}
}

// TestSinkRandomOpsMatchOracle: random upserts, tombstones and retract
// headers over few keys, produced in waves while the sink runs, so that
// batches repeat keys within themselves (the binary path's dead tuples)
// and across each other (the fresh-table path's DELETE of keys written
// before). Values mix texts the fast path takes with ones the decoder
// must handle (quoted numbers, escapes). The table must end as the last
// write per key says.
func TestSinkRandomOpsMatchOracle(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 3))
	pg := pgtest.Start(t)
	kcfg := ingesttest.Broker(t)
	src, err := pgsink.SourceFromColumns("id STRING KEY, amount DECIMAL(12,3), n BIGINT, s STRING", "ops", "")
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	runSink(t, pgsink.Config{Name: "ops", DSN: pg.DSN(), Table: pgsink.Table{Schema: "public", Name: "ops"}, Topic: "ops",
		Source: src, Kafka: kcfg, CreateTable: true, BatchSize: 300, Metrics: reg})
	want := map[string]string{}
	seq := 0
	for range 6 {
		var rs []*kgo.Record
		for range 500 {
			seq++
			k := fmt.Sprint("k", rng.IntN(150))
			r := &kgo.Record{Topic: "ops", Key: []byte(k)}
			switch rng.IntN(10) {
			case 0:
				delete(want, k) // a tombstone
			case 1:
				r.Headers = []kgo.RecordHeader{{Key: "op", Value: []byte("retract")}}
				r.Value = []byte(`{"N":0}`)
				delete(want, k)
			default:
				amount := fmt.Sprintf("%d.%d", rng.IntN(100000), rng.IntN(10))
				text := []string{`"plain"`, `"tab\tescaped"`, `"é"`}[rng.IntN(3)]
				shown := map[string]string{`"plain"`: "plain", `"tab\tescaped"`: "tab\tescaped", `"é"`: "é"}[text]
				if rng.IntN(4) == 0 {
					amount = `"` + amount + `"` // a quoted number: the decoder's path
				}
				r.Value = []byte(fmt.Sprintf(`{"AMOUNT":%s,"N":%d,"S":%s}`, amount, seq, text))
				want[k] = fmt.Sprintf("%s|%d|%s", strings.Trim(amount, `"`)+"00", seq, shown)
			}
			rs = append(rs, r)
		}
		produce(t, kcfg, rs...)
		time.Sleep(time.Duration(rng.IntN(100)) * time.Millisecond)
	}
	var keys []string
	for k := range want {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var wantRows []string
	for _, k := range keys {
		wantRows = append(wantRows, k+"|"+want[k])
	}
	q := `SELECT concat_ws('|', id, amount, n, s) FROM ops ORDER BY id COLLATE "C"`
	ingesttest.WaitFor(t, 30*time.Second, "the table to match the last write per key", func() bool {
		return fmt.Sprint(pg.Rows(t, q)) == fmt.Sprint(wantRows)
	})
	// Right the first time: a key the fresh-table path failed to DELETE
	// would fail its batch's COPY, and the retried session would mend it.
	if n, err := testutil.GatherAndCount(reg, "chaintap_pgsink_retries_total"); err != nil || n != 1 {
		t.Fatalf("retries metric: %d series, %v", n, err)
	}
	mfs, _ := reg.Gather()
	for _, mf := range mfs {
		if mf.GetName() == "chaintap_pgsink_retries_total" && mf.GetMetric()[0].GetCounter().GetValue() != 0 {
			t.Fatalf("the sink retried %v times", mf.GetMetric()[0].GetCounter().GetValue())
		}
	}
}
