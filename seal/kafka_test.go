package seal_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap/internal/testseed"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/seal"
)

func startBroker(t *testing.T, addr, dir string) (*kafka.Broker, kafka.Config) {
	t.Helper()
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: addr, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b, kafka.Config{Brokers: []string{b.Addr()}}
}

func kadmClient(cl *kgo.Client) *kadm.Client { return kadm.NewClient(cl) }

func createTopic(t *testing.T, kcfg kafka.Config, topic string, parts int32) {
	t.Helper()
	cl, err := kcfg.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := kafka.CreateTopic(context.Background(), kadm.NewClient(cl), parts, -1, nil, topic); err != nil {
		t.Fatal(err)
	}
}

// produce writes recs (each to its Partition) and waits for them.
func produce(t *testing.T, kcfg kafka.Config, recs []*kgo.Record) {
	t.Helper()
	cl, err := kcfg.NewClient(kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// runPass seals from → to until `want` records are sealed in total, then
// stops the sealer (which checkpoints what is pending).
func runPass(t *testing.T, kcfg kafka.Config, s note.Signer, from, to string, want int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return seal.Pass(gctx, seal.PassConfig{Kafka: kcfg, From: from, To: to, Signer: s, Every: 64, Interval: 300 * time.Millisecond})
	})
	deadline := time.Now().Add(30 * time.Second)
	for n := 0; n < want; n = countRecords(t, kcfg, to) {
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("sealed %d of %d records in 30 s (sealer: %v)", n, want, g.Wait())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := g.Wait(); err != nil {
		t.Fatal(err)
	}
}

func countRecords(t *testing.T, kcfg kafka.Config, topic string) int {
	t.Helper()
	n := 0
	if err := kafka.ReadTopic(context.Background(), kcfg, topic, 0, func(*kgo.Record) error { n++; return nil }); err != nil {
		return 0 // not created yet
	}
	return n
}

func readAll(t *testing.T, kcfg kafka.Config, topic string) map[int32][]*kgo.Record {
	t.Helper()
	out := map[int32][]*kgo.Record{}
	if err := kafka.ReadTopic(context.Background(), kcfg, topic, 0, func(r *kgo.Record) error {
		out[r.Partition] = append(out[r.Partition], r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func rawRecords(rng *rand.Rand, topic string, parts int32, n, from int) []*kgo.Record {
	var recs []*kgo.Record
	for i := range n {
		r := randomRecord(rng, from+i)
		r.Topic, r.Partition = topic, int32(rng.IntN(int(parts)))
		recs = append(recs, r)
	}
	return recs
}

// sameContent fails unless sealed holds exactly raw's records, in order,
// each once, per partition.
func sameContent(t *testing.T, raw, sealed map[int32][]*kgo.Record) {
	t.Helper()
	for p, rs := range raw {
		ss := sealed[p]
		if len(ss) != len(rs) {
			t.Fatalf("partition %d: %d raw records, %d sealed", p, len(rs), len(ss))
		}
		for i, r := range rs {
			s := ss[i]
			want := cloneRecord(r)
			want.Headers = append(want.Headers, kgo.RecordHeader{Key: seal.HeaderSource, Value: []byte(strconv.FormatInt(r.Offset, 10))})
			if seal.ContentDigest(s) != seal.ContentDigest(want) || (s.Value == nil) != (r.Value == nil) || (s.Key == nil) != (r.Key == nil) {
				t.Fatalf("partition %d: sealed record %d differs from raw offset %d", p, i, r.Offset)
			}
		}
	}
}

// TestSealPassThroughKfake seals a raw topic through the embedded broker,
// restarts the broker and the sealer in between, and checks that the
// sealed topic holds every raw record once, in order, and verifies
// strictly (no false alarm) before and after the restarts.
func TestSealPassThroughKfake(t *testing.T) {
	rng := rand.New(rand.NewPCG(testseed.Seed(t), 4))
	s, keys, _ := testKeys(t, "kfake-test")
	dir := t.TempDir()
	b, kcfg := startBroker(t, "127.0.0.1:0", dir)
	createTopic(t, kcfg, "raw", 3)
	produce(t, kcfg, rawRecords(rng, "raw", 3, 700, 0))
	runPass(t, kcfg, s, "raw", "sealed", 700)
	verifyOK(t, kcfg, keys, "sealed", 700)
	retention := topicConfig(t, kcfg, "sealed")
	if retention["cleanup.policy"] != "delete" || retention["retention.ms"] != "-1" {
		t.Fatalf("the sealed topic's retention: %v, want never compacted and kept forever", retention)
	}
	b.ApplyRetention() // what the broker runs every 30 s: nothing may go
	verifyOK(t, kcfg, keys, "sealed", 700)

	b.Close()
	// A new port: the old one may be taken meanwhile on a busy machine;
	// the data directory is what must carry over.
	_, kcfg = startBroker(t, "127.0.0.1:0", dir)
	verifyOK(t, kcfg, keys, "sealed", 700) // after a broker restart

	produce(t, kcfg, rawRecords(rng, "raw", 3, 300, 700))
	runPass(t, kcfg, s, "raw", "sealed", 1000) // the sealer restarts, resumes
	verifyOK(t, kcfg, keys, "sealed", 1000)
	sameContent(t, readAll(t, kcfg, "raw"), readAll(t, kcfg, "sealed"))
}

func topicConfig(t *testing.T, kcfg kafka.Config, topic string) map[string]string {
	t.Helper()
	cl, err := kcfg.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	rcs, err := kadm.NewClient(cl).DescribeTopicConfigs(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := rcs.On(topic, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range rc.Configs {
		if c.Value != nil {
			out[c.Key] = *c.Value
		}
	}
	return out
}

func verifyOK(t *testing.T, kcfg kafka.Config, keys note.Verifiers, topic string, want int64) []seal.Result {
	t.Helper()
	res, err := seal.VerifyTopic(context.Background(), kcfg, topic, keys, seal.VerifyOptions{Strict: true})
	if err != nil {
		t.Fatalf("false alarm: %v", err)
	}
	var n int64
	for _, r := range res {
		n += r.Sealed
	}
	if n != want {
		t.Fatalf("%d records verified, want %d", n, want)
	}
	return res
}

// TestSealTamperKfake reads a sealed partition back from the broker,
// applies every kind of tampering to copies of it, writes each copy as a
// topic of its own broker (as someone rewriting the topic would) and
// verifies it there.
func TestSealTamperKfake(t *testing.T) {
	rng := rand.New(rand.NewPCG(testseed.Seed(t), 5))
	s, keys, _ := testKeys(t, "kfake-test")
	_, kcfg := startBroker(t, "127.0.0.1:0", "")
	createTopic(t, kcfg, "raw", 1)
	produce(t, kcfg, rawRecords(rng, "raw", 1, 250, 0))
	runPass(t, kcfg, s, "raw", "sealed", 250)
	base := &memTopic{topic: "sealed", recs: readAll(t, kcfg, "sealed")[0]}
	raw, err := seal.ReadCheckpoints(context.Background(), kcfg, "sealed")
	if err != nil {
		t.Fatal(err)
	}
	var sizes []int64
	for i, r := range raw {
		base.cps = append(base.cps, seal.RawCheckpoint{Offset: int64(i), Note: r.Note})
		c, err := seal.OpenCheckpoint(r.Note, keys, r.Offset)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, c.Size)
	}
	n := 0
	for range 4 {
		for _, a := range attacks {
			tm := a.fn(rng, base.clone(), sizes)
			tcfg := writeTampered(t, tm.m)
			tm.check(t, func(strict bool) ([]seal.Result, error) {
				return seal.VerifyTopic(context.Background(), tcfg, "sealed", keys, seal.VerifyOptions{Strict: strict})
			})
			n++
		}
	}
	t.Logf("%d tampered topics written to brokers and caught", n)
}

// writeTampered writes m and its checkpoints to a fresh broker.
func writeTampered(t *testing.T, m *memTopic) kafka.Config {
	t.Helper()
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	kcfg := kafka.Config{Brokers: []string{b.Addr()}}
	createTopic(t, kcfg, m.topic, 1)
	createTopic(t, kcfg, seal.CheckpointsTopic, 1)
	var recs []*kgo.Record
	for _, r := range m.recs {
		recs = append(recs, &kgo.Record{Topic: m.topic, Key: r.Key, Value: r.Value, Headers: r.Headers})
	}
	for _, c := range m.cps {
		recs = append(recs, &kgo.Record{Topic: seal.CheckpointsTopic, Key: []byte(m.topic), Value: c.Note})
	}
	produce(t, kcfg, recs)
	return kcfg
}

// TestSealBadInput: a topic never sealed, a checkpoint by a key the
// verifier does not know, a missing topic and a proof past the last
// checkpoint each give their own clear error.
func TestSealBadInput(t *testing.T) {
	rng := rand.New(rand.NewPCG(testseed.Seed(t), 6))
	s, keys, _ := testKeys(t, "bad-input")
	_, other, _ := testKeys(t, "bad-input") // same name, another key
	_, kcfg := startBroker(t, "127.0.0.1:0", "")
	createTopic(t, kcfg, "raw", 1)
	produce(t, kcfg, rawRecords(rng, "raw", 1, 50, 0))
	ctx := context.Background()
	var ns *seal.NotSealedError
	if _, err := seal.VerifyTopic(ctx, kcfg, "raw", keys, seal.VerifyOptions{}); !errors.As(err, &ns) {
		t.Fatalf("verifying a raw topic: %v, want NotSealedError", err)
	}
	var nt *seal.NoTopicError
	if _, err := seal.VerifyTopic(ctx, kcfg, "nope", keys, seal.VerifyOptions{}); !errors.As(err, &nt) {
		t.Fatalf("verifying a missing topic: %v, want NoTopicError", err)
	}
	runPass(t, kcfg, s, "raw", "sealed", 50)
	var uk *seal.UnknownKeyError
	if _, err := seal.VerifyTopic(ctx, kcfg, "sealed", other, seal.VerifyOptions{}); !errors.As(err, &uk) {
		t.Fatalf("verifying with the wrong key: %v, want UnknownKeyError", err)
	}
	p, err := seal.ProveOffset(ctx, kcfg, "sealed", 0, 10, keys)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Check(keys); err != nil {
		t.Fatal(err)
	}
	// A record chained after the last checkpoint (as a live sealer's are
	// until the next one): verify passes but counts it, prove refuses it.
	c := seal.NewChain()
	for _, r := range readAll(t, kcfg, "sealed")[0] {
		if err := c.Resume(r); err != nil {
			t.Fatal(err)
		}
	}
	extra := &kgo.Record{Topic: "sealed", Value: []byte("late")}
	c.Seal(extra)
	produce(t, kcfg, []*kgo.Record{extra})
	res, err := seal.VerifyTopic(ctx, kcfg, "sealed", keys, seal.VerifyOptions{})
	if err != nil || res[0].Tail() != 1 {
		t.Fatalf("verify with one record after the last checkpoint: %v, %+v", err, res)
	}
	var nc *seal.NotCheckpointedError
	if _, err := seal.ProveOffset(ctx, kcfg, "sealed", 0, extra.Offset, keys); !errors.As(err, &nc) {
		t.Fatalf("proof past the last checkpoint: %v, want NotCheckpointedError", err)
	}
	t.Logf("errors as users see them:\n%v\n%v\n%v\n%v", ns, nt, uk, nc)
}

// TestSealRefusesTamperedChain: a sealer restarted on a sealed topic that
// no longer verifies refuses to extend it, saying where it breaks.
func TestSealRefusesTamperedChain(t *testing.T) {
	rng := rand.New(rand.NewPCG(testseed.Seed(t), 8))
	s, _, _ := testKeys(t, "refuse")
	_, kcfg := startBroker(t, "127.0.0.1:0", "")
	createTopic(t, kcfg, "raw", 1)
	produce(t, kcfg, rawRecords(rng, "raw", 1, 10, 0))
	runPass(t, kcfg, s, "raw", "sealed", 10)
	produce(t, kcfg, []*kgo.Record{{Topic: "sealed", Value: []byte("slipped in")}})
	err := seal.Pass(context.Background(), seal.PassConfig{Kafka: kcfg, From: "raw", To: "sealed", Signer: s})
	if err == nil || !strings.Contains(err.Error(), "sealed partition 0 does not verify, refusing to extend it: offset 11: no seal headers") {
		t.Fatalf("sealer on a tampered topic: %v", err)
	}
}
