package pgsource_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/internal/pgtest"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/pgsource"
)

// run starts the source in a goroutine; the returned func stops it and
// returns Run's error.
func run(t *testing.T, cfg pgsource.Config) (stop func() error) {
	t.Helper()
	src, err := pgsource.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return ingesttest.Background(t, src.Run)
}

type rec struct {
	key, value string
	op         string
}

// readAll reads topic read_committed.
func readAll(t *testing.T, kcfg kafka.Config, topic string) []rec {
	t.Helper()
	var out []rec
	err := kafka.ReadTopic(context.Background(), kcfg, topic, 0, func(r *kgo.Record) error {
		x := rec{key: string(r.Key), value: string(r.Value)}
		for _, h := range r.Headers {
			if h.Key == pgsource.HeaderOp {
				x.op = string(h.Value)
			}
		}
		if r.Value == nil {
			x.value = "<tombstone>"
		}
		out = append(out, x)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func fold(rs []rec) map[string]string {
	m := map[string]string{}
	for _, r := range rs {
		if r.value == "<tombstone>" {
			delete(m, r.key)
		} else {
			m[r.key] = r.value
		}
	}
	return m
}

// TestSnapshotThenChanges: rows there before the source starts arrive
// (snapshot), then inserts, updates (one changing the key) and deletes,
// with exact numerics and the documented JSON types and headers.
func TestSnapshotThenChanges(t *testing.T) {
	pg := pgtest.Start(t)
	kcfg := ingesttest.Broker(t)
	pg.Exec(`CREATE TABLE meters (id text PRIMARY KEY, kwh numeric(78,2), n bigint, ok boolean, f double precision,
		doc jsonb, raw bytea, at timestamptz);
		INSERT INTO meters VALUES ('a', 123456789012345678901234567890.12, 1, true, 1.5, '{"x": [1]}', '\x0102', '2024-01-02 03:04:05+00'),
		('b', NULL, NULL, NULL, 'NaN', NULL, NULL, NULL)`)
	stop := run(t, pgsource.Config{Name: "t1", DSN: pg.DSN(), Kafka: kcfg,
		Tables: []pgsource.Table{{Schema: "public", Name: "meters", Topic: "pg.meters"}}})
	ingesttest.WaitFor(t, 30*time.Second, "the snapshot", func() bool { return len(readAll(t, kcfg, "pg.meters")) == 2 })
	got := fold(readAll(t, kcfg, "pg.meters"))
	wantA := `{"id":"a","kwh":123456789012345678901234567890.12,"n":1,"ok":true,"f":1.5,"doc":{"x": [1]},"raw":"AQI=","at":"2024-01-02 03:04:05+00"}`
	if got["a"] != wantA {
		t.Errorf("snapshot row a:\n got %s\nwant %s", got["a"], wantA)
	}
	if want := `{"id":"b","kwh":null,"n":null,"ok":null,"f":"NaN","doc":null,"raw":null,"at":null}`; got["b"] != want {
		t.Errorf("snapshot row b:\n got %s\nwant %s", got["b"], want)
	}
	pg.Exec(`INSERT INTO meters (id, kwh) VALUES ('c', 3); UPDATE meters SET n = 2 WHERE id = 'a';
		UPDATE meters SET id = 'b2' WHERE id = 'b'; DELETE FROM meters WHERE id = 'c'`)
	ingesttest.WaitFor(t, 30*time.Second, "the changes", func() bool { return len(readAll(t, kcfg, "pg.meters")) == 7 })
	rs := readAll(t, kcfg, "pg.meters")
	var ops []string
	for _, r := range rs[2:] {
		ops = append(ops, r.key+":"+r.op)
	}
	if want := "c:upsert a:upsert b:delete b2:upsert c:delete"; strings.Join(ops, " ") != want {
		t.Errorf("changes = %s, want %s", strings.Join(ops, " "), want)
	}
	got = fold(rs)
	if len(got) != 2 || !strings.Contains(got["a"], `"n":2`) || got["b2"] == "" {
		t.Errorf("folded table = %v", got)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// A restart publishes nothing twice.
	pg.Exec(`INSERT INTO meters (id) VALUES ('d')`)
	stop = run(t, pgsource.Config{Name: "t1", DSN: pg.DSN(), Kafka: kcfg,
		Tables: []pgsource.Table{{Schema: "public", Name: "meters", Topic: "pg.meters"}}})
	ingesttest.WaitFor(t, 30*time.Second, "the insert made while stopped", func() bool { return len(readAll(t, kcfg, "pg.meters")) >= 8 })
	time.Sleep(500 * time.Millisecond)
	if n := len(readAll(t, kcfg, "pg.meters")); n != 8 {
		t.Fatalf("%d records after the restart, want 8", n)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestIntegerAndCompositeKeys: a bigint key is 8 bytes big-endian (KAFKA
// format, as ksqlDB writes BIGINT keys), a two-column key a JSON object.
func TestIntegerAndCompositeKeys(t *testing.T) {
	pg := pgtest.Start(t)
	kcfg := ingesttest.Broker(t)
	pg.Exec(`CREATE TABLE a (id bigint PRIMARY KEY, v text); INSERT INTO a VALUES (258, 'x');
		CREATE TABLE b (x int, y text, v text, PRIMARY KEY (x, y)); INSERT INTO b VALUES (1, 'q', 'z')`)
	run(t, pgsource.Config{Name: "keys", DSN: pg.DSN(), Kafka: kcfg, Tables: []pgsource.Table{
		{Schema: "public", Name: "a", Topic: "pg.a"}, {Schema: "public", Name: "b", Topic: "pg.b"}}})
	ingesttest.WaitFor(t, 30*time.Second, "the snapshot", func() bool { return len(readAll(t, kcfg, "pg.b")) == 1 })
	if k := readAll(t, kcfg, "pg.a")[0].key; k != "\x00\x00\x00\x00\x00\x00\x01\x02" {
		t.Errorf("bigint key = %q", k)
	}
	if k := readAll(t, kcfg, "pg.b")[0].key; k != `{"x":1,"y":"q"}` {
		t.Errorf("composite key = %s", k)
	}
}

// TestPostgresUnreachable: PostgreSQL stops under the source and comes
// back; the source retries and every insert arrives once.
func TestPostgresUnreachable(t *testing.T) {
	pg := pgtest.Start(t)
	kcfg := ingesttest.Broker(t)
	pg.Exec(`CREATE TABLE t (id int PRIMARY KEY)`)
	run(t, pgsource.Config{Name: "down", DSN: pg.DSN(), Kafka: kcfg, RetryInitial: 50 * time.Millisecond, RetryMax: 500 * time.Millisecond,
		Tables: []pgsource.Table{{Schema: "public", Name: "t", Topic: "pg.t"}}})
	for i := range 3 {
		for j := range 20 {
			pg.Exec(fmt.Sprintf("INSERT INTO t VALUES (%d)", i*100+j))
		}
		pg.Stop()
		time.Sleep(time.Second)
		pg.Restart()
	}
	pg.Exec("INSERT INTO t VALUES (999)")
	ingesttest.WaitFor(t, time.Minute, "61 rows", func() bool { return len(readAll(t, kcfg, "pg.t")) >= 61 })
	time.Sleep(500 * time.Millisecond)
	seen := map[string]int{}
	for _, r := range readAll(t, kcfg, "pg.t") {
		seen[r.key]++
		if seen[r.key] > 1 {
			t.Errorf("key %x published twice", r.key)
		}
	}
	if len(seen) != 61 {
		t.Errorf("%d keys, want 61", len(seen))
	}
}

// TestSlotMissing: a source restarted after its slot was dropped stops
// with SlotMissingError instead of leaving a gap; --resnapshot goes on.
func TestSlotMissing(t *testing.T) {
	pg := pgtest.Start(t)
	kcfg := ingesttest.Broker(t)
	pg.Exec(`CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1)`)
	cfg := pgsource.Config{Name: "slotty", DSN: pg.DSN(), Kafka: kcfg,
		Tables: []pgsource.Table{{Schema: "public", Name: "t", Topic: "pg.t"}}}
	stop := run(t, cfg)
	ingesttest.WaitFor(t, 30*time.Second, "the snapshot", func() bool { return len(readAll(t, kcfg, "pg.t")) == 1 })
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	dropSlot(t, pg.DSN(), "chaintap_slotty")
	pg.Exec(`INSERT INTO t VALUES (2)`)
	src, err := pgsource.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = src.Run(ctx)
	var missing *pgsource.SlotMissingError
	if !errors.As(err, &missing) {
		t.Fatalf("Run = %v, want a SlotMissingError", err)
	}
	if !strings.Contains(err.Error(), "--resnapshot") {
		t.Errorf("the error does not say how to go on: %v", err)
	}
	cfg.Resnapshot = true
	run(t, cfg)
	ingesttest.WaitFor(t, 30*time.Second, "the new snapshot", func() bool { return len(fold(readAll(t, kcfg, "pg.t"))) == 2 })
}

func dropSlot(t *testing.T, dsn, slot string) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	ingesttest.WaitFor(t, 30*time.Second, "the slot to be dropped", func() bool {
		_, err := c.Exec(ctx, "SELECT pg_drop_replication_slot($1)", slot)
		return err == nil
	})
}

// TestNameMustFitASlot: a name PostgreSQL would refuse as a slot's is
// refused at once, saying why.
func TestNameMustFitASlot(t *testing.T) {
	for _, name := range []string{"Inventory", "my-source", "a.b", strings.Repeat("x", 55)} {
		_, err := pgsource.New(pgsource.Config{Name: name, DSN: "postgres://x", Tables: []pgsource.Table{{Schema: "public", Name: "t", Topic: "t"}}})
		if err == nil || !strings.Contains(err.Error(), "replication slot") {
			t.Errorf("name %q: %v", name, err)
		}
	}
}
