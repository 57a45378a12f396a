package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/chaintap/chaintap/stream"
)

// failOn counts like countProcessor but fails on the record whose key is
// bad.
type failOn struct {
	countProcessor
	bad string
}

var errBad = errors.New("bad record")

func (f failOn) Process(ctx context.Context, r stream.Record, st stream.Store, emit func(stream.Output)) error {
	if string(r.Key) == f.bad {
		return errBad
	}
	return f.countProcessor.Process(ctx, r, st, emit)
}

// TestProcessorErrorStopsTheEngine: a processor's error stops Run with a
// *ProcessError that names the query, the partition and the record, and
// wraps the processor's error; the other query of the engine stops with
// it.
func TestProcessorErrorStopsTheEngine(t *testing.T) {
	cfg := startBroker(t)
	makeTopic(t, cfg, "events", 4)
	ins := inputs(100, 16, 0)
	ins = append(ins, input{key: "poison"})
	produce(t, cfg, "events", ins)

	failing := countQuery("failing", "events")
	failing.NewProcessor = func(int32) stream.Processor {
		return failOn{countProcessor: countProcessor{out: "failing-out"}, bad: "poison"}
	}
	e, _ := newEngine(t, cfg, "one", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := e.Run(ctx, failing, countQuery("healthy", "events"))

	var pe *ProcessError
	if !errors.As(err, &pe) {
		t.Fatalf("Run returned %v, want a *ProcessError", err)
	}
	wantPart := kafkaPartition([]byte("poison"), 4)
	if pe.Query != "failing" || pe.Partition != wantPart || pe.Topic != "events" || !errors.Is(err, errBad) {
		t.Fatalf("error %+v, want query failing, events partition %d, wrapping %v", pe, wantPart, errBad)
	}
	if msg := err.Error(); !strings.Contains(msg, "query failing partition ") {
		t.Errorf("error %q does not name the query and partition", msg)
	}
	if ctx.Err() != nil {
		t.Fatal("Run returned only when the test's deadline passed")
	}
}
