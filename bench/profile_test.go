package bench

import (
	"context"
	"github.com/chaintap/chaintap/follow"
	"github.com/chaintap/chaintap/kafka"
	"os"
	"runtime/pprof"
	"testing"
)

// BenchmarkBackfillOurs runs only our side; with CHAINTAP_CPUPROFILE=file
// it profiles just that (not the chain's construction).
func BenchmarkBackfillOurs(b *testing.B) {
	url := nodeForBench(b)
	defer profile(b)()
	for b.Loop() {
		if _, err := ourBackfill(context.Background(), url, Blocks, standardDecoder(b), embeddedKafka); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPublishOurs runs only our publishing side, for profiling.
func BenchmarkPublishOurs(b *testing.B) {
	blocks := fetchAll(b, nodeForBench(b), Blocks)
	topics := kafka.TopicsFor("", "bench")
	defer profile(b)()
	for b.Loop() {
		cfg, stop := freshBroker(b, topics)
		ourPublish(b, cfg, blocks, true, catchUpRule())
		stop()
	}
}

// profile starts a CPU profile into $CHAINTAP_CPUPROFILE, if set, and
// returns the function that stops it.
func profile(b *testing.B) func() {
	path := os.Getenv("CHAINTAP_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		b.Fatal(err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// BenchmarkPublishRaw runs only the raw side of PublishRatio, for
// profiling against BenchmarkPublishOurs.
func BenchmarkPublishRaw(b *testing.B) {
	blocks := fetchAll(b, nodeForBench(b), Blocks)
	topics := kafka.TopicsFor("", "bench")
	recs := rawRecords(b, topics, blocks)
	defer profile(b)()
	for b.Loop() {
		cfg, stop := freshBroker(b, topics)
		rawProduce(b, cfg, recs)
		stop()
	}
}

// BenchmarkBackfillRaw runs only the raw side of BackfillRatio, for
// profiling against BenchmarkBackfillOurs.
func BenchmarkBackfillRaw(b *testing.B) {
	url := nodeForBench(b)
	defer profile(b)()
	for b.Loop() {
		if _, err := rawFetch(context.Background(), url, Blocks); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBackfillOursMainnet runs only our side of
// PinnedBackfill/mainnet, pinned as there; with CHAINTAP_CPUPROFILE=file
// it profiles just that.
func BenchmarkBackfillOursMainnet(b *testing.B) {
	n := pinnedNode(b, "mainnet")
	dec := standardDecoder(b)
	restore := pin(b)
	defer restore()
	defer profile(b)()
	for b.Loop() {
		if _, err := ourSide(context.Background(), n.addr, MainnetBlocks, follow.Config{}, dec)(); err != nil {
			b.Fatal(err)
		}
	}
}
