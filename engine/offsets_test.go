package engine

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/chaintap/chaintap/kafka"
)

// TestFromLatest: a query without FromBeginning and without committed
// offsets starts at the end of its inputs, like ksqlDB's default
// auto.offset.reset=latest; FromBeginning's tests read from the start.
func TestFromLatest(t *testing.T) {
	cfg := startBroker(t)
	makeTopic(t, cfg, "events", 4)
	produce(t, cfg, "events", inputs(100, 16, 0))
	old := endOffsets(t, cfg, "events")

	q := countQuery("latest", "events")
	q.FromBeginning = false
	start(t, cfg, "one", t.TempDir(), q)
	// The group starts at the end once it has joined and listed it: new
	// records are produced until outputs show up.
	waitFor(t, 60*time.Second, "outputs of new records", func() bool {
		produce(t, cfg, "events", inputs(4, 16, 100))
		_, n := readOutputs(t, cfg, "latest-out")
		return n > 0
	})
	got, _ := readOutputs(t, cfg, "latest-out")
	for k, outs := range got {
		for _, o := range outs {
			p, off, _ := strings.Cut(o.src, "/")
			pi, _ := strconv.Atoi(p)
			oi, _ := strconv.ParseInt(off, 10, 64)
			if oi < old[int32(pi)] {
				t.Fatalf("key %s: output %d@%s of a record that was there before the query started", k, o.count, o.src)
			}
		}
	}
}

func endOffsets(t *testing.T, cfg kafka.Config, topic string) map[int32]int64 {
	t.Helper()
	cl, err := cfg.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	los, err := kadm.NewClient(cl).ListEndOffsets(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int32]int64{}
	los.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out
}
