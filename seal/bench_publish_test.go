package seal_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/seal"
)

// benchBlock is block n with txs transactions of two logs each, sized
// like a busy mainnet block's records (calldata, log data).
func benchBlock(n uint64, txs int) *chaintap.EVMBlock {
	hash := fmt.Sprintf("0x%064x", n)
	b := &chaintap.EVMBlock{Type: chaintap.KindBlock, Chain: "bench", Number: n, Hash: hash, ParentHash: fmt.Sprintf("0x%064x", n-1),
		LogsBloom: "0x" + fmt.Sprintf("%0512x", n), TransactionCount: uint64(txs)}
	for i := range txs {
		tx := fmt.Sprintf("0x%056x%08x", n, i)
		b.Transactions = append(b.Transactions, chaintap.Tx{Type: chaintap.KindTx, Chain: "bench", Hash: tx, BlockNumber: n, BlockHash: hash,
			FromAddress: fmt.Sprintf("0x%040x", i), Input: fmt.Sprintf("0xa9059cbb%0264x", i)})
		for pos := range uint64(2) {
			b.Logs = append(b.Logs, chaintap.Log{Type: chaintap.KindLog, Chain: "bench", TransactionHash: tx, TxLogPosition: pos, BlockNumber: n, BlockHash: hash,
				Address: fmt.Sprintf("0x%040x", pos), Topics: []string{fmt.Sprintf("0x%064x", pos), fmt.Sprintf("0x%064x", i)}, Data: fmt.Sprintf("0x%064x", i)})
		}
	}
	return b
}

// BenchmarkPublisherSealRatio is issue 14's target for the records
// chaintap produces: the follower's publisher writing the same blocks
// (backfill batches of 50, each applied and confirmed: about 74,000
// records of both views, with manifests and the cursor) with every topic
// sealed, against unsealed, in interleaved pairs (alternating which goes
// first) on one broker, each to topics of its own. Blocks are prepared
// (encoded, and their content digests begun when sealing) as the
// follower's fetch workers do: in a goroutine at most two batches ahead
// of the publisher, within the clock, and released once published. The
// sealed run's clock includes its last checkpoints. Reported: the median
// of the per-pair ratios of rates.
func BenchmarkPublisherSealRatio(b *testing.B) {
	s, _, _ := testKeys(b, "bench")
	_, kcfg := startBrokerB(b)
	var blocks []*chaintap.EVMBlock
	for n := uint64(1); n <= 600; n++ {
		blocks = append(blocks, benchBlock(n, 20))
	}
	var ratios, plain, sealed []float64
	for i := 0; b.Loop(); i++ {
		var p, q float64
		if i%2 == 0 {
			p, q = publishRun(b, kcfg, fmt.Sprintf("plain%d", i), nil, blocks), publishRun(b, kcfg, fmt.Sprintf("sealed%d", i), s, blocks)
		} else {
			q, p = publishRun(b, kcfg, fmt.Sprintf("sealed%d", i), s, blocks), publishRun(b, kcfg, fmt.Sprintf("plain%d", i), nil, blocks)
		}
		plain, sealed, ratios = append(plain, p), append(sealed, q), append(ratios, q/p)
	}
	b.ReportMetric(median(ratios), "sealed/unsealed")
	b.ReportMetric(median(plain), "plain-rec/s")
	b.ReportMetric(median(sealed), "sealed-rec/s")
}

const benchBatch = 50

// publishRun publishes blocks as chain's follower would, sealed when s
// is set, and returns records per second.
func publishRun(b *testing.B, kcfg kafka.Config, chain string, s note.Signer, blocks []*chaintap.EVMBlock) float64 {
	ctx := context.Background()
	var opts []kafka.PublisherOption
	if s != nil {
		t := kafka.TopicsFor("", chain)
		sealer, err := seal.NewPublishing(seal.PublishConfig{Topics: append(t.All(), t.Reorgs()), Signer: s})
		if err != nil {
			b.Fatal(err)
		}
		opts = append(opts, kafka.WithSealer(sealer))
	}
	pub, err := kafka.NewPublisher(ctx, kcfg, chain, nil, nil, opts...)
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close()
	records := 0
	for _, blk := range blocks {
		records += 2 * len(blk.Records())
	}
	runtime.GC()
	start := time.Now()
	ready := make(chan chaintap.Block, 2*benchBatch) // the fetch workers' lookahead
	done := make(chan struct{})
	go func() {
		defer close(ready)
		for _, blk := range blocks {
			select {
			case ready <- pub.Prepare(blk):
			case <-done:
				return
			}
		}
	}()
	defer close(done)
	for i := 0; i < len(blocks); i += benchBatch {
		bs := make([]chaintap.Block, 0, benchBatch)
		for range min(benchBatch, len(blocks)-i) {
			bs = append(bs, <-ready)
		}
		cur := chaintap.Cursor{Chain: chain, Confirmed: blocks[i+len(bs)-1].Number, ConfirmedSet: true}
		for _, blk := range blocks[max(0, i+len(bs)-128) : i+len(bs)] {
			cur.Window = append(cur.Window, blk.Header())
		}
		if err := pub.Publish(ctx, chaintap.Batch{Chain: chain, Apply: bs, Confirm: bs, Origin: chaintap.OriginBackfill, Cursor: cur}); err != nil {
			b.Fatal(err)
		}
		for _, blk := range bs {
			pub.Release(blk)
		}
	}
	if err := pub.Checkpoint(ctx); err != nil {
		b.Fatal(err)
	}
	return float64(records) / time.Since(start).Seconds()
}
