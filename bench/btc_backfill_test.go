package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/btc"
	"github.com/chaintap/chaintap/follow"
	"github.com/chaintap/chaintap/internal/btcdtest"
	"github.com/chaintap/chaintap/kafka"
)

// The Bitcoin backfill benchmark's chain: btcd in regtest (a process of
// its own on the same two cores), btcBlocks blocks of btcTxsPerBlock
// spends each after the coinbases matured. Inputs spend outputs of
// earlier blocks (and some of the same block).
const (
	btcFrom        = 101
	btcBlocks      = 300
	btcTxsPerBlock = 20
)

// BenchmarkBitcoinBackfillRatio reports our backfill rate from a local
// btcd ÷ the raw rate of fetching the same blocks with batched JSON-RPC,
// each pair run back to back; target ≥ 0.8.
//
// The raw side does what any exporter must to get the same data, and
// nothing else: per block getblockhash and getblock (verbosity 2), and
// one batch of getrawtransaction for the transactions its inputs spend
// (those not in the block itself), fetchConcurrency blocks in flight,
// decoding only the txids it needs to ask for the next call. "raw-blocks"
// is the same without the spent outputs: the difference is what input
// resolution costs a stateless exporter. Our side follows the chain into a
// fresh embedded broker (fetch, resolve with its cache, encode, publish in
// transactions); it reports the seconds its fetches of spent outputs took
// per second of backfill (summed over concurrent fetches), where its spent
// outputs came from, and its rate with the cache off
// (our_no_cache_blocks/s): what input resolution costs us.
func BenchmarkBitcoinBackfillRatio(b *testing.B) {
	node := btcdtest.Start(b)
	traffic := btcdtest.NewTraffic(b, node, 42)
	for node.Height() < btcFrom+btcBlocks {
		traffic.Block(btcTxsPerBlock)
	}
	to := node.Height()
	txs := countTxs(b, node, btcFrom, to)
	b.Logf("btcd chain: blocks %d..%d, %d transactions", btcFrom, to, txs)
	ctx := context.Background()
	var ratios, raws, rawBlocks, ours, noCache, resolveShares, fromCache, fromNode []float64
	for pair := 0; b.Loop(); pair++ {
		var raw, rawB, our, ourNC float64
		sideBySide(pair, func() {
			took, err := btcRawFetch(ctx, node, btcFrom, to, true)
			if err != nil {
				b.Fatal(err)
			}
			raw = float64(to-btcFrom+1) / took.Seconds()
			took, err = btcRawFetch(ctx, node, btcFrom, to, false)
			if err != nil {
				b.Fatal(err)
			}
			rawB = float64(to-btcFrom+1) / took.Seconds()
		}, func() {
			m := btc.NewMetrics(nil)
			took, err := btcBackfill(ctx, node, btcFrom, to, 1, btc.NewMetrics(nil))
			if err != nil {
				b.Fatal(err)
			}
			ourNC = float64(to-btcFrom+1) / took.Seconds()
			took, err = btcBackfill(ctx, node, btcFrom, to, 0, m)
			if err != nil {
				b.Fatal(err)
			}
			our = float64(to-btcFrom+1) / took.Seconds()
			resolveShares = append(resolveShares, m.ResolveSeconds("bench")/took.Seconds())
			fromCache = append(fromCache, m.SpentOutputs("bench", "cache")+m.SpentOutputs("bench", "block"))
			fromNode = append(fromNode, m.SpentOutputs("bench", "node"))
		})
		raws, rawBlocks, ours, ratios = append(raws, raw), append(rawBlocks, rawB), append(ours, our), append(ratios, our/raw)
		noCache = append(noCache, ourNC)
	}
	perBlock := float64(txs) / float64(to-btcFrom+1)
	b.ReportMetric(median(ratios), "ratio")
	b.ReportMetric(median(raws), "raw_blocks/s")
	b.ReportMetric(median(raws)*perBlock, "raw_tx/s")
	b.ReportMetric(median(rawBlocks), "raw_no_inputs_blocks/s")
	b.ReportMetric(median(ours), "our_blocks/s")
	b.ReportMetric(median(ours)*perBlock, "our_tx/s")
	b.ReportMetric(median(noCache), "our_no_cache_blocks/s")
	b.ReportMetric(median(resolveShares), "resolve_fetch_s/s")
	b.ReportMetric(median(fromCache), "spent_from_cache")
	b.ReportMetric(median(fromNode), "spent_from_node")
}

// btcBackfill follows from..to into a fresh embedded broker and returns
// the time from the follower's start to the commit of block to; cacheTxs
// sizes the source's output cache (0: the default, 1: off).
func btcBackfill(ctx context.Context, node *btcdtest.Node, from, to uint64, cacheTxs int, m *btc.Metrics) (time.Duration, error) {
	br, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		return 0, err
	}
	defer br.Close()
	pub, err := kafka.NewFamilyPublisher(ctx, kafka.Config{Brokers: []string{br.Addr()}}, "bench", chaintap.FamilyBitcoin, nil, nil)
	if err != nil {
		return 0, err
	}
	defer pub.Close()
	src, err := btc.Dial(ctx, btc.Config{Chain: "bench", URL: node.URL, Auth: btc.Auth{User: node.User, Password: node.Pass},
		Concurrency: 2 * fetchConcurrency, CacheTxs: cacheTxs}, nil, m)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	f := follow.New(follow.Config{Chain: "bench", From: &from, Concurrency: fetchConcurrency, Confirmations: 6}, src, pub, nil, nil)
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

// btcRawFetch fetches blocks from..to as the raw side does (see the
// benchmark); spent adds the spent outputs' transactions.
func btcRawFetch(ctx context.Context, node *btcdtest.Node, from, to uint64, spent bool) (time.Duration, error) {
	rc := &rawClient{url: node.URL, user: node.User, pass: node.Pass,
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: fetchConcurrency}}}
	start := time.Now()
	var next atomic.Uint64
	next.Store(from)
	g, ctx := errgroup.WithContext(ctx)
	for range fetchConcurrency {
		g.Go(func() error {
			for n := next.Add(1) - 1; n <= to; n = next.Add(1) - 1 {
				if err := rc.block(ctx, n, spent); err != nil {
					return err
				}
			}
			return nil
		})
	}
	err := g.Wait()
	return time.Since(start), err
}

// rawClient is the least a JSON-RPC client can be: requests written by
// hand, answers read whole.
type rawClient struct {
	url, user, pass string
	http            *http.Client
}

func (c *rawClient) post(ctx context.Context, body string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader([]byte(body)))
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(c.user, c.pass)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(resp.Body)
	return buf.Bytes(), err
}

func (c *rawClient) block(ctx context.Context, n uint64, spent bool) error {
	raw, err := c.post(ctx, fmt.Sprintf(`{"jsonrpc":"1.0","id":1,"method":"getblockhash","params":[%d]}`, n))
	if err != nil {
		return err
	}
	var hash struct {
		Result string `json:"result"`
	}
	if err := json.Unmarshal(raw, &hash); err != nil {
		return err
	}
	raw, err = c.post(ctx, fmt.Sprintf(`{"jsonrpc":"1.0","id":1,"method":"getblock","params":["%s",2]}`, hash.Result))
	if err != nil || !spent {
		return err
	}
	var blk struct {
		Result struct {
			RawTx []struct {
				Txid string `json:"txid"`
				Vin  []struct {
					Txid string `json:"txid"`
				} `json:"vin"`
			} `json:"rawtx"`
		} `json:"result"`
	}
	if err := json.Unmarshal(raw, &blk); err != nil {
		return err
	}
	inBlock, asked := map[string]bool{}, map[string]bool{}
	for _, tx := range blk.Result.RawTx {
		inBlock[tx.Txid] = true
	}
	var batch bytes.Buffer
	batch.WriteByte('[')
	for _, tx := range blk.Result.RawTx {
		for _, in := range tx.Vin {
			if in.Txid == "" || inBlock[in.Txid] || asked[in.Txid] {
				continue
			}
			if len(asked) > 0 {
				batch.WriteByte(',')
			}
			asked[in.Txid] = true
			fmt.Fprintf(&batch, `{"jsonrpc":"1.0","id":%d,"method":"getrawtransaction","params":["%s",1]}`, len(asked), in.Txid)
		}
	}
	if len(asked) == 0 {
		return nil
	}
	batch.WriteByte(']')
	_, err = c.post(ctx, batch.String())
	return err
}

// countTxs counts the transactions of blocks from..to.
func countTxs(b *testing.B, node *btcdtest.Node, from, to uint64) int {
	b.Helper()
	total := 0
	for n := from; n <= to; n++ {
		var blk struct {
			Tx []string `json:"tx"`
		}
		if err := json.Unmarshal(node.MustCall("getblock", node.HashAt(n), 1), &blk); err != nil {
			b.Fatal(err)
		}
		total += len(blk.Tx)
	}
	return total
}
