package seal_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/mod/sumdb/note"

	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/seal"
)

// benchRecords are n records with values of size bytes, a 42-byte key
// and two headers, the same for both sides of a comparison.
func benchRecords(n, size int) []*kgo.Record {
	rng := rand.New(rand.NewPCG(1, 1))
	recs := make([]*kgo.Record, n)
	for i := range recs {
		v := make([]byte, size)
		for j := range v {
			v[j] = 'a' + byte(rng.IntN(26))
		}
		recs[i] = &kgo.Record{Key: fmt.Appendf(nil, "0x%040x", i), Value: v,
			Headers: []kgo.RecordHeader{{Key: "chain", Value: []byte("devchain")}, {Key: "op", Value: []byte("upsert")}}}
	}
	return recs
}

// produceRun produces recs to topic, sealing them (and checkpointing every
// 1000) when s is set, and returns the records per second. With a
// transactional client each 1000 records are a transaction, as the
// follower and the pass-through sealer write.
func produceRun(b *testing.B, cl *kgo.Client, topic string, recs []*kgo.Record, s note.Signer) float64 {
	b.Helper()
	ctx := context.Background()
	c := seal.NewChain()
	txn := cl.OptValue(kgo.TransactionalID) != ""
	start := time.Now()
	for i, r := range recs {
		if txn && i%1000 == 0 {
			if err := cl.BeginTransaction(); err != nil {
				b.Fatal(err)
			}
		}
		out := &kgo.Record{Topic: topic, Key: r.Key, Value: r.Value, Headers: r.Headers}
		if s != nil {
			c.Seal(out)
			if (i+1)%1000 == 0 {
				root, _ := c.Root()
				msg, err := seal.Checkpoint{Topic: topic, Size: c.Size(), Root: root, Head: c.Head()}.Sign(s)
				if err != nil {
					b.Fatal(err)
				}
				cl.Produce(ctx, &kgo.Record{Topic: seal.CheckpointsTopic, Key: []byte(topic), Value: msg}, nil)
			}
		}
		cl.Produce(ctx, out, nil)
		if txn && ((i+1)%1000 == 0 || i == len(recs)-1) {
			if err := cl.Flush(ctx); err != nil {
				b.Fatal(err)
			}
			if err := cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := cl.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	return float64(len(recs)) / time.Since(start).Seconds()
}

// BenchmarkSealedProduce produces the same records to the embedded broker
// unsealed and sealed, alternating runs so both see the same machine
// load, and reports the median sealed ÷ unsealed throughput ratio
// (target ≥ 0.9): plain produce, and in transactions of 1000.
// The seal adds about 230 bytes to a record (three headers, hex digests
// kcat users can read, and their names), so the ratio depends on the
// record size: 250-byte values are small chain records (a log), 1 KiB a
// transaction with its receipt fields.
func BenchmarkSealedProduce(b *testing.B) {
	for _, size := range []int{250, 1024} {
		b.Run(fmt.Sprintf("value=%d/plain", size), func(b *testing.B) { benchSealedProduce(b, size) })
		b.Run(fmt.Sprintf("value=%d/txn", size), func(b *testing.B) { benchSealedProduce(b, size, kgo.TransactionalID("bench-seal")) })
	}
}

func benchSealedProduce(b *testing.B, size int, opts ...kgo.Opt) {
	s, _, _ := testKeys(b, "bench")
	_, kcfg := startBrokerB(b)
	for _, t := range []string{"plain", "sealed", seal.CheckpointsTopic} {
		createTopicB(b, kcfg, t)
	}
	cl, err := kcfg.NewClient(append(opts, kgo.DefaultProduceTopic("plain"), kgo.ProducerLinger(0))...)
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	recs := benchRecords(20000, size)
	produceRun(b, cl, "plain", recs, nil) // warm up
	var ratios, plain, sealed []float64
	for i := 0; b.Loop(); i++ {
		// Alternate which goes first: the second inherits the first's
		// garbage.
		var p, q float64
		if i%2 == 0 {
			p, q = produceRun(b, cl, "plain", recs, nil), produceRun(b, cl, "sealed", recs, s)
		} else {
			q, p = produceRun(b, cl, "sealed", recs, s), produceRun(b, cl, "plain", recs, nil)
		}
		plain, sealed, ratios = append(plain, p), append(sealed, q), append(ratios, q/p)
	}
	b.ReportMetric(median(ratios), "sealed/unsealed")
	b.ReportMetric(median(plain), "unsealed-rec/s")
	b.ReportMetric(median(sealed), "sealed-rec/s")
}

// BenchmarkSealedProduceBreakdown splits the seal's cost: records with
// three headers of the seal's sizes but nothing computed (the bytes) and
// really sealed records (the bytes and the hashing), each ÷ unsealed.
func BenchmarkSealedProduceBreakdown(b *testing.B) {
	_, kcfg := startBrokerB(b)
	for _, t := range []string{"plain", "sealed", "padded", seal.CheckpointsTopic} {
		createTopicB(b, kcfg, t)
	}
	cl, err := kcfg.NewClient(kgo.ProducerLinger(0), kgo.TransactionalID("bench-breakdown"))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	recs := benchRecords(20000, 1024)
	var padded []*kgo.Record
	for _, r := range recs {
		p := *r
		p.Headers = append(slices.Clone(r.Headers), kgo.RecordHeader{Key: seal.HeaderSeq, Value: []byte("12345")},
			kgo.RecordHeader{Key: seal.HeaderContent, Value: make([]byte, 64)}, kgo.RecordHeader{Key: seal.HeaderPrev, Value: make([]byte, 64)})
		padded = append(padded, &p)
	}
	s, _, _ := testKeys(b, "bench")
	var bytesRatio, sealRatio []float64
	for b.Loop() {
		p := produceRun(b, cl, "plain", recs, nil)
		q := produceRun(b, cl, "padded", padded, nil)
		r := produceRun(b, cl, "sealed", recs, s)
		bytesRatio, sealRatio = append(bytesRatio, q/p), append(sealRatio, r/p)
	}
	b.ReportMetric(median(bytesRatio), "headers-only/unsealed")
	b.ReportMetric(median(sealRatio), "sealed/unsealed")
}

// BenchmarkVerify reports verify's rate in records per second, reading a
// sealed topic from the embedded broker.
func BenchmarkVerify(b *testing.B) {
	s, keys, _ := testKeys(b, "bench")
	_, kcfg := startBrokerB(b)
	for _, t := range []string{"sealed", seal.CheckpointsTopic} {
		createTopicB(b, kcfg, t)
	}
	cl, err := kcfg.NewClient(kgo.ProducerLinger(0))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	recs := benchRecords(50000, 250)
	produceRun(b, cl, "sealed", recs, s)
	var rates []float64
	for b.Loop() {
		start := time.Now()
		res, err := seal.VerifyTopic(context.Background(), kcfg, "sealed", keys, seal.VerifyOptions{Strict: true})
		if err != nil || res[0].Sealed != int64(len(recs)) {
			b.Fatalf("%v %+v", err, res)
		}
		rates = append(rates, float64(len(recs))/time.Since(start).Seconds())
	}
	b.ReportMetric(median(rates), "verified-rec/s")
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// startBrokerB starts a broker persisting to files: in memory, kfake
// keeps each partition in one growing slice whose doublings (copies of
// hundreds of MB) took over half the CPU and made the ratios swing from
// 0.3 to 1.7 depending on where each topic stood in its doubling cycle.
func startBrokerB(b *testing.B) (*kafka.Broker, kafka.Config) {
	br, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0", DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(br.Close)
	return br, kafka.Config{Brokers: []string{br.Addr()}}
}

func createTopicB(b *testing.B, kcfg kafka.Config, topic string) {
	cl, err := kcfg.NewClient()
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	if err := kafka.CreateTopic(context.Background(), kadmClient(cl), 1, -1, nil, topic); err != nil {
		b.Fatal(err)
	}
}
