package engine

import (
	"os"
	"testing"
	"time"
)

// TestRestoreFromChangelog stops an instance and starts it again on its
// data directory: it replays nothing (its store is current). Then it stops
// again, its data directory is deleted, and a new instance continues: it
// rebuilds every store from the changelog and counting goes on exactly,
// with no count restarted or doubled.
func TestRestoreFromChangelog(t *testing.T) {
	cfg := startBroker(t)
	makeTopic(t, cfg, "events", 4)
	q := countQuery("count", "events")
	dir := t.TempDir()

	produce(t, cfg, "events", inputs(300, 16, 0))
	first := start(t, cfg, "first", dir, q)
	waitOutputs(t, cfg, "count-out", 300, 60*time.Second)
	if err := first.stop(); err != nil {
		t.Fatal(err)
	}

	produce(t, cfg, "events", inputs(100, 16, 300))
	again := start(t, cfg, "first", dir, q)
	waitOutputs(t, cfg, "count-out", 400, 60*time.Second)
	if err := again.stop(); err != nil {
		t.Fatal(err)
	}
	if n := again.counter(t, "chaintap_engine_restore_records_total"); n != 0 {
		t.Errorf("a restart on a current data directory restored %v records, want 0", n)
	}

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	produce(t, cfg, "events", inputs(200, 16, 400))
	fresh := start(t, cfg, "second", t.TempDir(), q)
	waitOutputs(t, cfg, "count-out", 600, 60*time.Second)
	if err := fresh.stop(); err != nil {
		t.Fatal(err)
	}
	if n := fresh.counter(t, "chaintap_engine_restore_records_total"); n < 16 {
		t.Errorf("a fresh instance restored %v changelog records, want at least one per key (16)", n)
	}
	got, _ := readOutputs(t, cfg, "count-out")
	want, _ := expectedOutputs(t, cfg, "events")
	checkOutputs(t, got, want)
}
