package bench

import (
	"context"
	"encoding/json"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/evm"
	"github.com/chaintap/chaintap/follow"
	"github.com/chaintap/chaintap/kafka"
)

// catchUpRule is how the follower sizes its transactions while catching
// up, with its default configuration: ourPublish batches by it.
func catchUpRule() follow.BatchRule { return follow.Config{}.CatchUpRule() }

// fetchAll reads the benchmark chain's blocks 0..to into memory once.
func fetchAll(b testing.TB, url string, to uint64) []*chaintap.EVMBlock {
	b.Helper()
	ctx := context.Background()
	src, err := evm.Dial(ctx, evm.Config{Chain: "bench", URL: url}, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	blocks := make([]*chaintap.EVMBlock, 0, to+1)
	for n := range to + 1 {
		blk, err := src.EVMBlockByNumber(ctx, n)
		if err != nil {
			b.Fatal(err)
		}
		blocks = append(blocks, blk)
	}
	return blocks
}

// rawRecords are the records our publisher writes for blocks (head view and
// confirmed view, with the same headers), encoded up front: the raw side
// only produces.
func rawRecords(b testing.TB, topics kafka.Topics, blocks []*chaintap.EVMBlock) []*kgo.Record {
	b.Helper()
	var out []*kgo.Record
	for _, confirmed := range []bool{false, true} {
		for _, blk := range blocks {
			for _, r := range kafka.BlockRecords(blk, confirmed) {
				v, err := json.Marshal(r.Value)
				if err != nil {
					b.Fatal(err)
				}
				topic := topics.Head(r.Entity)
				if confirmed {
					topic = topics.Confirmed(r.Entity)
				}
				out = append(out, &kgo.Record{Topic: topic, Key: []byte(r.Key), Value: v, Headers: []kgo.RecordHeader{
					{Key: kafka.HeaderChain, Value: []byte(blk.Chain)},
					{Key: kafka.HeaderBlockNumber, Value: []byte(chaintap.BlockHeadKey(blk.Number))},
					{Key: kafka.HeaderBlockHash, Value: []byte(blk.Hash)},
					{Key: kafka.HeaderOp, Value: []byte(kafka.OpUpsert)},
					{Key: kafka.HeaderOrigin, Value: []byte(chaintap.OriginBackfill)},
				}})
			}
		}
	}
	return out
}

func freshBroker(b testing.TB, topics kafka.Topics) (kafka.Config, func()) {
	b.Helper()
	br, stop, err := startBroker()
	if err != nil {
		b.Fatal(err)
	}
	cfg := kafka.Config{Brokers: []string{br.Addr()}}
	cl, err := cfg.NewClient()
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	if err := kafka.EnsureTopics(context.Background(), cl, kafka.TopicConfig{}, topics); err != nil {
		b.Fatal(err)
	}
	return cfg, stop
}

// rawProduce is the raw limit: franz-go's idempotent producer, all records
// in flight, one flush.
func rawProduce(b testing.TB, cfg kafka.Config, recs []*kgo.Record) spent {
	cl, err := cfg.NewClient(kgo.MaxBufferedRecords(1 << 20))
	if err != nil {
		b.Fatal(err)
	}
	defer cl.Close()
	ctx := context.Background()
	start := mustUsage(b)
	for _, r := range recs {
		r.Partition, r.Offset = 0, 0
		cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
			if err != nil {
				b.Error(err)
			}
		})
	}
	if err := cl.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	return mustUsage(b).since(start)
}

// ourPublish writes the same blocks as the follower does when catching up:
// batches closed by the follower's rule (blocks, footprint bytes, time),
// each applied and confirmed, with manifests and the cursor, one
// transaction per batch. With encodeAhead,
// JSON encoding is inside the measured time, prepared as in the follower
// by workers at most two batches ahead of the publisher (the follower's
// fetch workers and lookahead), so it overlaps the previous batch's flush
// and commit on the same cores; committed blocks are released, so their
// buffers are reused, as the follower does. Without it every block is
// prepared before the clock starts, which isolates the publishing
// protocol (transactions, manifests, cursor) from the encoding.
func ourPublish(b testing.TB, cfg kafka.Config, blocks []*chaintap.EVMBlock, encodeAhead bool, rule follow.BatchRule) spent {
	ctx := context.Background()
	pub, err := kafka.NewPublisher(ctx, cfg, "bench", nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close()
	ready := make([]chan chaintap.Block, len(blocks))
	for i := range ready {
		ready[i] = make(chan chaintap.Block, 1)
	}
	published := func(int) {}
	if !encodeAhead {
		for i, blk := range blocks {
			ready[i] <- pub.Prepare(blk)
		}
		runtime.GC()
	}
	start := mustUsage(b)
	if encodeAhead {
		var stop func()
		published, stop = prepareAhead(pub, blocks, ready, 2*rule.MaxBlocks)
		defer stop()
	}
	for i := 0; i < len(blocks); {
		var batch []chaintap.Block
		var bytes int64
		var opened time.Time
		for j := i; j < len(blocks); j++ {
			blk := <-ready[j]
			if len(batch) == 0 {
				opened = time.Now()
			}
			batch, bytes = append(batch, blk), bytes+int64(chaintap.Footprint(blk))
			if rule.Full(len(batch), bytes, time.Since(opened)) {
				break
			}
		}
		cur := chaintap.Cursor{Chain: "bench", Confirmed: blocks[i+len(batch)-1].Number, ConfirmedSet: true}
		for _, blk := range blocks[max(0, i+len(batch)-128) : i+len(batch)] {
			cur.Window = append(cur.Window, blk.Header())
		}
		if err := pub.Publish(ctx, chaintap.Batch{Chain: "bench", Apply: batch, Confirm: batch, Origin: chaintap.OriginBackfill, Cursor: cur}); err != nil {
			b.Fatal(err)
		}
		for _, blk := range batch {
			pub.Release(blk)
		}
		published(len(batch))
		i += len(batch)
	}
	return mustUsage(b).since(start)
}

// prepareAhead runs pub.Prepare over blocks in order in two workers (one
// per core), at most ahead blocks before what was published, and hands
// block i prepared to ready[i]; published(n) says n more blocks were.
// stop waits for the workers.
func prepareAhead(pub *kafka.Publisher, blocks []*chaintap.EVMBlock, ready []chan chaintap.Block, ahead int) (published func(int), stop func()) {
	tokens := make(chan struct{}, ahead)
	for range ahead {
		tokens <- struct{}{}
	}
	next := make(chan int)
	go func() {
		defer close(next)
		for i := range blocks {
			<-tokens
			next <- i
		}
	}()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for i := range next {
				ready[i] <- pub.Prepare(blocks[i])
			}
		})
	}
	return func(n int) {
		for range n {
			tokens <- struct{}{}
		}
	}, wg.Wait
}

// BenchmarkPublishRatio reports our publish rate ÷ the raw franz-go
// produce rate of the same records to the same (embedded) broker; target
// ≥ 0.8. "encoding" has our JSON encoding inside the measured time (the
// target's measure); "prepared" has the records encoded before the clock
// starts, to show what the publishing protocol alone costs.
func BenchmarkPublishRatio(b *testing.B) {
	publishRatio(b, fetchAll(b, nodeForBench(b), Blocks))
}

// BenchmarkPublishRatioMainnet is BenchmarkPublishRatio on the
// mainnet-shaped chain's blocks (≈200 transactions and 260 logs each).
func BenchmarkPublishRatioMainnet(b *testing.B) {
	publishRatio(b, fetchAll(b, pinnedNode(b, "mainnet").addr, MainnetBlocks))
}

func publishRatio(b *testing.B, blocks []*chaintap.EVMBlock) {
	topics := kafka.TopicsFor("", "bench")
	recs := rawRecords(b, topics, blocks)
	for _, v := range []struct {
		name        string
		encodeAhead bool
	}{{"encoding", true}, {"prepared", false}} {
		b.Run(v.name, func(b *testing.B) {
			pairs := publishPairs{records: float64(len(recs))}
			for pair := 0; b.Loop(); pair++ {
				var raw, our spent
				sideBySide(pair, func() {
					cfg, stop := freshBroker(b, topics)
					defer stop()
					raw = rawProduce(b, cfg, recs)
				}, func() {
					cfg, stop := freshBroker(b, topics)
					defer stop()
					our = ourPublish(b, cfg, blocks, v.encodeAhead, catchUpRule())
				})
				pairs.add(raw, our)
			}
			pairs.report(b)
		})
	}
}

// publishPairs collects what the two sides of a publish ratio benchmark
// spent, pair by pair, and reports the medians.
type publishPairs struct {
	records                                                float64 // per side and pair
	ratios, raws, ours, rawCPU, ourCPU, rawCores, ourCores []float64
}

func (p *publishPairs) add(raw, our spent) {
	n := p.records
	p.raws, p.ours = append(p.raws, n/raw.wall.Seconds()), append(p.ours, n/our.wall.Seconds())
	p.ratios = append(p.ratios, raw.wall.Seconds()/our.wall.Seconds())
	p.rawCPU, p.ourCPU = append(p.rawCPU, raw.self.Seconds()/n*1e6), append(p.ourCPU, our.self.Seconds()/n*1e6)
	p.rawCores, p.ourCores = append(p.rawCores, raw.cores()), append(p.ourCores, our.cores())
}

func (p *publishPairs) report(b *testing.B) {
	b.ReportMetric(median(p.ratios), "ratio")
	b.ReportMetric(median(p.raws), "raw_records/s")
	b.ReportMetric(median(p.ours), "our_records/s")
	// CPU per record and cores busy (the side's process, broker
	// included): with both cores busy, the rates are in inverse
	// proportion to the CPU per record.
	b.ReportMetric(median(p.rawCPU), "raw_cpu_µs/record")
	b.ReportMetric(median(p.ourCPU), "our_cpu_µs/record")
	b.ReportMetric(median(p.rawCores), "raw_cores")
	b.ReportMetric(median(p.ourCores), "our_cores")
}
