package engine

import (
	"slices"
	"testing"
	"time"
)

// TestScaleOut runs two instances in one group: each owns two of the four
// partitions. One stops; the other takes its partitions, restores their
// state from the changelog, and the outputs end up the same, key by key
// and record by record, as a single instance's over the same input.
func TestScaleOut(t *testing.T) {
	cfg := startBroker(t)
	makeTopic(t, cfg, "events", 4)
	q := countQuery("count", "events")

	a := start(t, cfg, "a", t.TempDir(), q)
	b := start(t, cfg, "b", t.TempDir(), q)
	waitFor(t, 60*time.Second, "two partitions each", func() bool {
		pa, pb := a.e.Assignment()["count"], b.e.Assignment()["count"]
		return len(pa) == 2 && len(pb) == 2 && !slices.ContainsFunc(pa, func(p int32) bool { return slices.Contains(pb, p) })
	})
	produce(t, cfg, "events", inputs(400, 16, 0))
	waitOutputs(t, cfg, "count-out", 400, 60*time.Second)
	if a.counter(t, "chaintap_engine_records_total") == 0 || b.counter(t, "chaintap_engine_records_total") == 0 {
		t.Fatal("an instance processed nothing")
	}

	if err := a.stop(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 30*time.Second, "the survivor to own all partitions", func() bool {
		return len(b.e.Assignment()["count"]) == 4
	})
	produce(t, cfg, "events", inputs(400, 16, 400))
	waitOutputs(t, cfg, "count-out", 800, 60*time.Second)
	if err := b.stop(); err != nil {
		t.Fatal(err)
	}
	if n := b.counter(t, "chaintap_engine_restore_records_total"); n == 0 {
		t.Error("the survivor restored nothing of the partitions it took over")
	}

	single := start(t, cfg, "single", t.TempDir(), countQuery("single", "events"))
	waitOutputs(t, cfg, "single-out", 800, 60*time.Second)
	if err := single.stop(); err != nil {
		t.Fatal(err)
	}
	scaled, _ := readOutputs(t, cfg, "count-out")
	alone, _ := readOutputs(t, cfg, "single-out")
	checkOutputs(t, scaled, alone)
	want, _ := expectedOutputs(t, cfg, "events")
	checkOutputs(t, alone, want)
}
