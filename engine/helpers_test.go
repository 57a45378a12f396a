package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/stream"
)

// startBroker starts the embedded broker as chaintap up does, on a free
// loopback port. (internal/ingesttest.Broker does the same, but would
// link the simulated chain into this package's tests.)
func startBroker(t testing.TB) kafka.Config {
	t.Helper()
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return kafka.Config{Brokers: []string{b.Addr()}}
}

// testLog logs to stderr when CHAINTAP_TEST_LOG is set.
func testLog() *slog.Logger {
	if os.Getenv("CHAINTAP_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func makeTopic(t testing.TB, cfg kafka.Config, topic string, parts int32) {
	t.Helper()
	cl, err := cfg.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	resp, err := kadm.NewClient(cl).CreateTopic(context.Background(), parts, -1, nil, topic)
	if err == nil {
		err = resp.Err
	}
	if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
		t.Fatal(err)
	}
}

// input is a record to produce to a query's input: key, and whether it
// retracts (op=retract) the key's earlier record.
type input struct {
	key     string
	retract bool
}

// produce writes the inputs to topic with a plain producer, partitioned
// by key (murmur2, kgo's default for keyed records).
func produce(t testing.TB, cfg kafka.Config, topic string, ins []input) {
	t.Helper()
	cl, err := cfg.NewClient(kgo.DefaultProduceTopic(topic), kgo.DisableClientMetrics())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	rs := make([]*kgo.Record, len(ins))
	for i, in := range ins {
		rs[i] = inputRecord(in)
	}
	if err := cl.ProduceSync(context.Background(), rs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

func inputRecord(in input) *kgo.Record {
	r := &kgo.Record{Key: []byte(in.key), Value: []byte(`{"key":"` + in.key + `"}`)}
	if in.retract {
		r.Headers = []kgo.RecordHeader{{Key: stream.HeaderOp, Value: []byte(stream.OpRetract)}}
		r.Value = nil
	}
	return r
}

// inputs returns n inputs over keys k00..k<keys-1>, every seventh a
// retraction of a key counted before.
func inputs(n, keys, seed int) []input {
	ins := make([]input, n)
	for i := range ins {
		j := i + seed
		ins[i] = input{key: fmt.Sprintf("k%02d", j*7919%keys)}
		if j%7 == 6 && i >= keys {
			ins[i].retract = true
		}
	}
	return ins
}

// countProcessor is a count per key kept in the store: an upsert adds
// one, a retraction (op=retract) takes one off, down to zero (deleting
// the key). It emits the key's new count with the input record it came
// from, so that a duplicate shows.
type countProcessor struct{ out string }

func (c countProcessor) Process(_ context.Context, r stream.Record, st stream.Store, emit func(stream.Output)) error {
	v, ok, err := st.Get(r.Key)
	if err != nil {
		return err
	}
	n := 0
	if ok {
		if n, err = strconv.Atoi(string(v)); err != nil {
			return fmt.Errorf("count of %s: %w", r.Key, err)
		}
	}
	if string(r.Header(stream.HeaderOp)) == stream.OpRetract {
		n = max(0, n-1)
	} else {
		n++
	}
	if n <= 0 {
		err = st.Delete(r.Key)
	} else {
		err = st.Set(r.Key, []byte(strconv.Itoa(n)))
	}
	if err != nil {
		return err
	}
	emit(stream.Output{Topic: c.out, Key: r.Key, Value: []byte(fmt.Sprintf("%d@%d/%d", n, r.Partition, r.Offset))})
	return nil
}

// countQuery counts per key of input into <id>-out, which is not
// compacted: the tests read every output back.
func countQuery(id, input string) stream.Query {
	out := id + "-out"
	return stream.Query{
		ID:            id,
		Inputs:        []string{input},
		Outputs:       []stream.TopicSpec{{Name: out}},
		NewProcessor:  func(int32) stream.Processor { return countProcessor{out: out} },
		FromBeginning: true,
	}
}

// passThrough copies its input to out, key, value and headers.
type passThrough struct{ out string }

func (p passThrough) Process(_ context.Context, r stream.Record, _ stream.Store, emit func(stream.Output)) error {
	emit(stream.Output{Topic: p.out, Key: r.Key, Value: r.Value, Headers: r.Headers})
	return nil
}

// running is an engine running in a goroutine of the test.
type running struct {
	e      *Engine
	reg    *prometheus.Registry
	cancel context.CancelFunc
	done   chan error
}

func newEngine(t testing.TB, cfg kafka.Config, instance, dir string) (*Engine, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	e, err := New(Config{Kafka: cfg, DataDir: dir, InstanceID: instance, Log: testLog().With("instance", instance), Metrics: reg, HeartbeatInterval: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return e, reg
}

// start runs an engine with the queries until the test ends or stop.
func start(t testing.TB, cfg kafka.Config, instance, dir string, qs ...stream.Query) *running {
	t.Helper()
	e, reg := newEngine(t, cfg, instance, dir)
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{e: e, reg: reg, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- e.Run(ctx, qs...) }()
	t.Cleanup(func() { _ = r.stop() })
	return r
}

// stop stops the engine cleanly and returns what Run returned. It may be
// called again.
func (r *running) stop() error {
	r.cancel()
	err, ok := <-r.done
	if ok {
		close(r.done)
	}
	return err
}

// counter returns the sum of the counter named name over its labels.
func (r *running) counter(t testing.TB, name string) float64 {
	t.Helper()
	mfs, err := r.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			sum += metricValue(m)
		}
	}
	return sum
}

func metricValue(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	}
	return 0
}

// output is a count output as read back: the key's count and the input
// record (partition/offset) it came from.
type output struct {
	count     int
	src       string
	partition int32 // of the output record
}

// readOutputs reads topic read_committed and returns its outputs per key,
// in order.
func readOutputs(t testing.TB, cfg kafka.Config, topic string) (map[string][]output, int) {
	t.Helper()
	got := map[string][]output{}
	n := 0
	err := kafka.ReadTopic(context.Background(), cfg, topic, 0, func(r *kgo.Record) error {
		count, src, ok := strings.Cut(string(r.Value), "@")
		if !ok {
			return fmt.Errorf("%s offset %d: value %q", topic, r.Offset, r.Value)
		}
		c, err := strconv.Atoi(count)
		if err != nil {
			return err
		}
		got[string(r.Key)] = append(got[string(r.Key)], output{count: c, src: src, partition: r.Partition})
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got, n
}

// expectedOutputs replays the count processor over topic as committed:
// the outputs a run that processed every record exactly once must have
// made, per key, in order.
func expectedOutputs(t testing.TB, cfg kafka.Config, topic string) (map[string][]output, int) {
	t.Helper()
	want := map[string][]output{}
	counts := map[string]int{}
	n := 0
	err := kafka.ReadTopic(context.Background(), cfg, topic, 0, func(r *kgo.Record) error {
		k := string(r.Key)
		if kafka.Op(r) == kafka.OpRetract {
			counts[k] = max(0, counts[k]-1)
		} else {
			counts[k]++
		}
		want[k] = append(want[k], output{count: counts[k], src: fmt.Sprintf("%d/%d", r.Partition, r.Offset)})
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return want, n
}

// checkOutputs fails unless got holds exactly the outputs of want, per key
// in order: a duplicate, a loss or a count that restarted shows as the
// first difference.
func checkOutputs(t testing.TB, got, want map[string][]output) {
	t.Helper()
	for k, w := range want {
		g := got[k]
		for i := range max(len(g), len(w)) {
			switch {
			case i >= len(g):
				t.Fatalf("key %s: output %d missing, want %d@%s (%d outputs, want %d)", k, i, w[i].count, w[i].src, len(g), len(w))
			case i >= len(w):
				t.Fatalf("key %s: extra output %d: %d@%s (%d outputs, want %d)", k, i, g[i].count, g[i].src, len(g), len(w))
			case g[i].count != w[i].count || g[i].src != w[i].src:
				t.Fatalf("key %s: output %d is %d@%s, want %d@%s", k, i, g[i].count, g[i].src, w[i].count, w[i].src)
			}
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Fatalf("key %s has outputs but no inputs", k)
		}
	}
}

// waitOutputs waits until topic holds n committed outputs.
func waitOutputs(t testing.TB, cfg kafka.Config, topic string, n int, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		got := 0
		err := kafka.ReadTopic(context.Background(), cfg, topic, 0, func(*kgo.Record) error {
			got++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %d outputs after %s, want %d", topic, got, d, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitFor polls cond every 20ms until it holds or d passes.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
