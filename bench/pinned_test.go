package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/evm"
	"github.com/chaintap/chaintap/follow"
)

// BenchmarkPinnedBackfill is issue 16's measure: the node alone on core
// nodeCore (taskset), this process — the follower with ABI decoding, the
// embedded broker it publishes to, the raw clients — alone on ourCore
// (pinProcess, GOMAXPROCS 1), as on a deployment where the node has
// cores of its own. Each pair runs three sides in turn over the same
// blocks, fetchConcurrency blocks in flight each:
//
//   - bytes: the node's serving limit (rawBytesFetch: batched JSON-RPC
//     over net/http, answers read, not decoded);
//   - geth: rawFetch, the same through go-ethereum's rpc client into
//     json.RawMessage;
//   - ours: a full backfill into the embedded broker (ourBackfill).
//
// ratio = ours ÷ bytes (target ≥ 0.9), ratio_geth = ours ÷ geth. The
// CPU metrics are CPU-seconds per 1,000 blocks of this process during
// each side (getrusage deltas: ours includes the broker), and node_util_*
// is the node's CPU time ÷ wall time during a side (1.0: its core is
// saturated, so the side ran at the node's limit).
func BenchmarkPinnedBackfill(b *testing.B) {
	b.Run("small", func(b *testing.B) { pinnedBackfill(b, "small", Blocks) })
	b.Run("mainnet", func(b *testing.B) { pinnedBackfill(b, "mainnet", MainnetBlocks) })
}

// BenchmarkPinnedTxSize is the end-to-end effect of the Kafka
// transaction's size while catching up, on the mainnet-shaped chain,
// pinned as BenchmarkPinnedBackfill: our backfill with MaxBatch 100 (on
// these blocks the same as the default 1000: a quarter of the memory
// budget closes a batch at 8–11 blocks first) and with MaxBatch 1 (a
// transaction per block), FlushInterval the default. ratio = MaxBatch 1 ÷
// MaxBatch 100.
func BenchmarkPinnedTxSize(b *testing.B) {
	n := pinnedNode(b, "mainnet")
	ctx := context.Background()
	dec := standardDecoder(b)
	restore := pin(b)
	defer restore()
	to := uint64(MainnetBlocks)
	var batch100, batch1 sideStats
	for pair := 0; b.Loop(); pair++ {
		inTurn(pair,
			func() { batch100.measure(b, n, to, ourSide(ctx, n.addr, to, follow.Config{MaxBatch: 100}, dec)) },
			func() { batch1.measure(b, n, to, ourSide(ctx, n.addr, to, follow.Config{MaxBatch: 1}, dec)) })
	}
	b.ReportMetric(median(batch1.rates)/median(batch100.rates), "ratio")
	b.ReportMetric(median(batch100.rates), "batch100_blocks/s")
	b.ReportMetric(median(batch1.rates), "batch1_blocks/s")
	b.ReportMetric(median(batch100.cpu), "batch100_cpus/kblock")
	b.ReportMetric(median(batch1.cpu), "batch1_cpus/kblock")
}

func pinnedBackfill(b *testing.B, chain string, to uint64) {
	n := pinnedNode(b, chain)
	ctx := context.Background()
	st := statsOf(b, n.addr, to)
	dec := standardDecoder(b)
	restore := pin(b)
	defer restore()
	var raw, geth, ours sideStats
	var answerBytes int64
	for pair := 0; b.Loop(); pair++ {
		inTurn(pair,
			func() {
				raw.measure(b, n, to, func() (time.Duration, error) {
					took, read, err := rawBytesFetch(ctx, n.addr, to)
					answerBytes = read
					return took, err
				})
			},
			func() { geth.measure(b, n, to, func() (time.Duration, error) { return rawFetch(ctx, n.addr, to) }) },
			func() { ours.measure(b, n, to, ourSide(ctx, n.addr, to, follow.Config{}, dec)) })
	}
	blocks := float64(to + 1)
	mbPerBlock := float64(answerBytes) / blocks / 1e6
	b.Logf("%s chain: %d blocks, %.1f transactions, %.1f logs and %.3f MB of answers per block",
		chain, to+1, float64(st.txs)/blocks, float64(st.logs)/blocks, mbPerBlock)
	our := median(ours.rates)
	b.ReportMetric(our/median(raw.rates), "ratio")
	b.ReportMetric(our/median(geth.rates), "ratio_geth")
	b.ReportMetric(median(raw.rates), "node_blocks/s")
	b.ReportMetric(median(geth.rates), "geth_blocks/s")
	b.ReportMetric(our, "our_blocks/s")
	b.ReportMetric(our*float64(st.txs)/blocks, "our_tx/s")
	b.ReportMetric(our*float64(st.logs)/blocks, "our_logs/s")
	b.ReportMetric(our*mbPerBlock, "our_MB/s")
	b.ReportMetric(median(raw.rates)*mbPerBlock, "node_MB/s")
	b.ReportMetric(median(ours.cpu), "our_cpus/kblock")
	b.ReportMetric(median(raw.cpu), "bytes_cpus/kblock")
	b.ReportMetric(median(geth.cpu), "geth_cpus/kblock")
	b.ReportMetric(median(ours.nodeCPU), "node_cpus/kblock")
	b.ReportMetric(median(raw.nodeUtil), "node_util_bytes")
	b.ReportMetric(median(ours.nodeUtil), "node_util_ours")
}

// pin pins this process to ourCore for the rest of the benchmark.
func pin(b *testing.B) (restore func()) {
	b.Helper()
	undo, err := pinProcess(ourCore)
	if err != nil {
		b.Fatal(err)
	}
	return func() {
		if err := undo(); err != nil {
			b.Error(err)
		}
	}
}

// ourSide is a side that runs our backfill into the embedded broker.
func ourSide(ctx context.Context, url string, to uint64, fcfg follow.Config, dec chaintap.Enricher) func() (time.Duration, error) {
	return func() (time.Duration, error) {
		return ourBackfillFollow(ctx, evm.Config{Chain: "bench", URL: url, Concurrency: 2 * fetchConcurrency}, fcfg, to, dec, embeddedKafka)
	}
}

// sideStats collects one side's measures over the pairs.
type sideStats struct {
	rates    []float64 // blocks/s
	cpu      []float64 // this process's CPU-seconds per 1,000 blocks
	nodeCPU  []float64 // the node's CPU-seconds per 1,000 blocks
	nodeUtil []float64 // the node's CPU time ÷ wall time
}

// measure runs side (which returns its own measured time, set-up
// excluded) and records its rate and the CPU time spent while it ran.
func (s *sideStats) measure(b *testing.B, n *node, to uint64, side func() (time.Duration, error)) {
	b.Helper()
	before, err := readUsage(n.pid())
	if err != nil {
		b.Fatal(err)
	}
	took, err := side()
	if err != nil {
		b.Fatal(err)
	}
	used, err := readUsage(n.pid())
	if err != nil {
		b.Fatal(err)
	}
	d := used.since(before)
	blocks := float64(to + 1)
	s.rates = append(s.rates, blocks/took.Seconds())
	s.cpu = append(s.cpu, d.self.Seconds()/blocks*1000)
	s.nodeCPU = append(s.nodeCPU, d.node.Seconds()/blocks*1000)
	s.nodeUtil = append(s.nodeUtil, d.node.Seconds()/d.wall.Seconds())
}

// chainStats counts a chain's transactions and logs.
type chainStats struct{ txs, logs int64 }

// statsOf reads blocks 0..to once through our source and counts them.
func statsOf(b *testing.B, url string, to uint64) chainStats {
	b.Helper()
	ctx := context.Background()
	src, err := evm.Dial(ctx, evm.Config{Chain: "bench", URL: url}, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	var txs, logs atomic.Int64
	var next atomic.Uint64
	g, gctx := errgroup.WithContext(ctx)
	for range 4 {
		g.Go(func() error {
			for n := next.Add(1) - 1; n <= to; n = next.Add(1) - 1 {
				blk, err := src.EVMBlockByNumber(gctx, n)
				if err != nil {
					return fmt.Errorf("block %d: %w", n, err)
				}
				txs.Add(int64(len(blk.Transactions)))
				logs.Add(int64(len(blk.Logs)))
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
	return chainStats{txs: txs.Load(), logs: logs.Load()}
}
