package bench

import (
	"context"
	"encoding/json"
	"os"
	"runtime"
	"sort"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/decode"
	"github.com/chaintap/chaintap/evm"
	"github.com/chaintap/chaintap/follow"
	"github.com/chaintap/chaintap/internal/faultproxy"
	"github.com/chaintap/chaintap/kafka"
)

const fetchConcurrency = 8

// rawFetch is the raw limit of backfill: every block with its
// transactions and its receipts, one JSON-RPC batch per block,
// fetchConcurrency batches in flight, and nothing done with the answers.
// Its client has our settings, so it too asks a node on loopback for
// uncompressed answers.
func rawFetch(ctx context.Context, url string, to uint64) (time.Duration, error) {
	c, err := evm.DialRPC(ctx, evm.Config{URL: url, Concurrency: fetchConcurrency})
	if err != nil {
		return 0, err
	}
	defer c.Close()
	start := time.Now()
	var next atomic.Uint64
	g, ctx := errgroup.WithContext(ctx)
	for range fetchConcurrency {
		g.Go(func() error {
			for n := next.Add(1) - 1; n <= to; n = next.Add(1) - 1 {
				var block, receipts json.RawMessage
				id := hexutil.EncodeUint64(n)
				if err := c.BatchCallContext(ctx, []rpc.BatchElem{
					{Method: "eth_getBlockByNumber", Args: []any{id, true}, Result: &block},
					{Method: "eth_getBlockReceipts", Args: []any{id}, Result: &receipts},
				}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	err = g.Wait()
	return time.Since(start), err
}

// ourBackfill follows the chain from block 0 to its head into the
// publisher that publisher makes (a fresh embedded broker, normally):
// fetch, decode, encode, publish in transactions. It returns the time from
// the follower's start (cursor load included) to the commit of the last
// block; starting the broker and connecting are set-up, as dialling is for
// the raw side.
func ourBackfill(ctx context.Context, url string, to uint64, dec chaintap.Enricher, publisher publisherFunc) (time.Duration, error) {
	return ourBackfillWith(ctx, evm.Config{Chain: "bench", URL: url, Concurrency: 2 * fetchConcurrency}, to, dec, publisher)
}

// ourBackfillWith is ourBackfill with the node's client configured by cfg.
func ourBackfillWith(ctx context.Context, cfg evm.Config, to uint64, dec chaintap.Enricher, publisher publisherFunc) (time.Duration, error) {
	return ourBackfillFollow(ctx, cfg, follow.Config{}, to, dec, publisher)
}

// ourBackfillFollow is ourBackfillWith with the follower configured by
// fcfg too; its Chain, From, Concurrency and Confirmations are ourBackfill's.
func ourBackfillFollow(ctx context.Context, cfg evm.Config, fcfg follow.Config, to uint64, dec chaintap.Enricher, publisher publisherFunc) (time.Duration, error) {
	pub, release, err := publisher("bench")
	if err != nil {
		return 0, err
	}
	defer release()
	src, err := evm.Dial(ctx, cfg, nil, nil)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	zero := uint64(0)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fcfg.Chain, fcfg.From, fcfg.Confirmations = "bench", &zero, 12
	if fcfg.Concurrency == 0 {
		fcfg.Concurrency = fetchConcurrency
	}
	f := follow.New(fcfg, follow.Enriched(src, dec), pub, nil, nil)
	var took time.Duration
	start := time.Now()
	f.OnProgress(func(p follow.Progress) {
		if p.Head >= to && took == 0 {
			took = time.Since(start)
			cancel()
		}
	})
	if err := f.Run(ctx); ctx.Err() == nil {
		return 0, err
	}
	return took, nil
}

// BenchmarkBackfillRatio reports our backfill rate ÷ the raw batched
// JSON-RPC fetch rate of the same blocks from the same node, each pair run
// back to back; target ≥ 0.9. The node is always on the same two cores as
// the follower and the broker, so every CPU cycle we spend is one the node
// cannot.
//
//   - loopback: the node in a process of its own, as a local node (geth)
//     runs beside chaintap.
//   - loopback-core: the same without ABI decoding (the ingest core alone:
//     blocks, transactions, logs).
//   - lan-1ms: the node in its own process, with 1 ms added to every
//     request, as a node in the same data centre would be.
//   - loopback-no-kafka: like loopback, but publishing to a publisher
//     that drops everything: the ceiling of the ratio on this machine
//     with the Kafka side's cost taken away.
//   - in-process: the node in this process (how this benchmark ran until
//     2026-11-23), so each side's garbage collector also marks and
//     assists for the node's heap.
func BenchmarkBackfillRatio(b *testing.B) {
	url := nodeForBench(b)
	b.Run("loopback", func(b *testing.B) { backfillRatio(b, url, standardDecoder(b)) })
	b.Run("loopback-core", func(b *testing.B) { backfillRatio(b, url, nil) })
	b.Run("lan-1ms", func(b *testing.B) {
		p := faultproxy.Start(url, faultproxy.Config{Latency: time.Millisecond})
		defer p.Close()
		backfillRatio(b, p.URL, standardDecoder(b))
	})
	b.Run("loopback-no-kafka", func(b *testing.B) {
		backfillRatioWith(b, url, standardDecoder(b), func(chain string) (chaintap.Publisher, func(), error) {
			return dropAll{}, func() {}, nil
		})
	})
	b.Run("in-process", func(b *testing.B) {
		// Built here and closed after, so that no other benchmark runs
		// with the chain in this process's heap.
		c, err := BuildChain(context.Background(), "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		backfillRatio(b, c.HTTPURL(), standardDecoder(b))
	})
}

// backfillRatio runs the pairs; d decodes (ABI) in our side, or nil for
// none.
func backfillRatio(b *testing.B, url string, d chaintap.Enricher) {
	backfillRatioWith(b, url, d, embeddedKafka)
}

// publisherFunc makes our side's publisher and what releases it.
type publisherFunc func(chain string) (chaintap.Publisher, func(), error)

// embeddedKafka publishes into a fresh embedded broker.
func embeddedKafka(chain string) (chaintap.Publisher, func(), error) {
	br, stop, err := startBroker()
	if err != nil {
		return nil, nil, err
	}
	pub, err := kafka.NewPublisher(context.Background(), kafka.Config{Brokers: []string{br.Addr()}}, chain, nil, nil)
	if err != nil {
		stop()
		return nil, nil, err
	}
	return pub, func() { pub.Close(); stop() }, nil
}

// startBroker starts a fresh embedded broker that persists to a temporary
// directory, as `chaintap up`'s does. Kept in memory only, kfake writes
// its log segments into an in-memory file system whose files grow by
// doubling: every growth clears and copies the whole segment on the
// heap, which cost 22 % of our CPU per mainnet-shaped block pinned
// (8.7 against 6.9 CPU-s per 1,000 blocks, 7 pairs) and delays the
// other goroutines on one core. stop closes the broker and removes the
// directory.
func startBroker() (br *kafka.Broker, stop func(), err error) {
	dir, err := os.MkdirTemp("", "chaintap-bench-broker-")
	if err != nil {
		return nil, nil, err
	}
	br, err = kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0", DataDir: dir})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return br, func() { br.Close(); os.RemoveAll(dir) }, nil
}

// dropAll is a publisher that keeps nothing.
type dropAll struct{}

func (dropAll) LoadCursor(context.Context, string) (*chaintap.Cursor, error) { return nil, nil }
func (dropAll) Publish(context.Context, chaintap.Batch) error                { return nil }

func backfillRatioWith(b *testing.B, url string, d chaintap.Enricher, publisher publisherFunc) {
	ctx := context.Background()
	to := uint64(Blocks)
	if d == nil {
		d = noDecoding{}
	}
	dec := &timedEnricher{e: d}
	var ratios, raws, ours, shares []float64
	for pair := 0; b.Loop(); pair++ {
		var raw, our float64
		sideBySide(pair, func() {
			took, err := rawFetch(ctx, url, to)
			if err != nil {
				b.Fatal(err)
			}
			raw = float64(to+1) / took.Seconds()
		}, func() {
			dec.spent.Store(0)
			took, err := ourBackfill(ctx, url, to, dec, publisher)
			if err != nil {
				b.Fatal(err)
			}
			shares = append(shares, float64(dec.spent.Load())/(float64(took)*float64(runtime.GOMAXPROCS(0))))
			our = float64(to+1) / took.Seconds()
		})
		raws, ours, ratios = append(raws, raw), append(ours, our), append(ratios, our/raw)
	}
	b.ReportMetric(median(ratios), "ratio")
	b.ReportMetric(median(raws), "raw_blocks/s")
	b.ReportMetric(median(ours), "our_blocks/s")
	b.ReportMetric(median(shares), "decode_share")
}

// timedEnricher sums the time spent decoding, to report decoding's share
// of the machine's time during backfill (decode runs in the fetch
// workers, in parallel).
type timedEnricher struct {
	e     chaintap.Enricher
	spent atomic.Int64
}

func (t *timedEnricher) Enrich(b *chaintap.EVMBlock) {
	start := time.Now()
	t.e.Enrich(b)
	t.spent.Add(int64(time.Since(start)))
}

// noDecoding is the enricher of the ingest core: it adds nothing.
type noDecoding struct{}

func (noDecoding) Enrich(*chaintap.EVMBlock) {}

func standardDecoder(b *testing.B) *decode.Decoder {
	d, err := decode.NewStandardDecoder(nil)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
