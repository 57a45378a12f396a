package bench

import (
	"context"
	"testing"

	"github.com/chaintap/chaintap/evm"
)

// BenchmarkBackfillCompression reports our backfill rate from a node on
// loopback with uncompressed answers (the default there) ÷ the rate with
// gzip-compressed answers, pairs interleaved: what rpc_compression: auto
// gains a local node's user.
func BenchmarkBackfillCompression(b *testing.B) {
	url := nodeForBench(b)
	ctx := context.Background()
	rate := func(compression string) float64 {
		cfg := evm.Config{Chain: "bench", URL: url, Concurrency: 2 * fetchConcurrency, Compression: compression}
		took, err := ourBackfillWith(ctx, cfg, Blocks, standardDecoder(b), embeddedKafka)
		if err != nil {
			b.Fatal(err)
		}
		return float64(Blocks+1) / took.Seconds()
	}
	var ratios, gzips, nones []float64
	for pair := 0; b.Loop(); pair++ {
		var gz, none float64
		sideBySide(pair, func() { gz = rate(evm.CompressionGzip) }, func() { none = rate(evm.CompressionNone) })
		gzips, nones, ratios = append(gzips, gz), append(nones, none), append(ratios, none/gz)
	}
	b.ReportMetric(median(ratios), "speedup")
	b.ReportMetric(median(gzips), "gzip_blocks/s")
	b.ReportMetric(median(nones), "none_blocks/s")
}
