package btc

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap"
)

// Resolving inputs is the costly part of a Bitcoin block: an input names
// the output it spends only by txid and index, and the node's answer does
// not say its value or address. Three places are tried, cheapest first:
// an earlier transaction of the same block, the cache of recently seen
// transactions' outputs (most inputs spend recent outputs), and the node
// (getrawtransaction, verbose, in batches; it needs -txindex).

type outpoint struct {
	txid string
	n    uint64
}

// outputCache keeps the outputs of recently seen transactions, by txid.
// It holds two generations of at most size/2 transactions each: when the
// newer is full the older is dropped, so lookups stay O(1) and memory is
// bounded without a per-entry list. Safe for concurrent use.
type outputCache struct {
	mu       sync.Mutex
	half     int
	cur, old map[string][]spent
}

func newOutputCache(size int) *outputCache {
	half := max(size/2, 1)
	return &outputCache{half: half, cur: make(map[string][]spent, half), old: map[string][]spent{}}
}

func (c *outputCache) get(txid string) ([]spent, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if outs, ok := c.cur[txid]; ok {
		return outs, true
	}
	outs, ok := c.old[txid]
	return outs, ok
}

func (c *outputCache) put(txid string, outs []spent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.cur) >= c.half {
		c.old, c.cur = c.cur, make(map[string][]spent, c.half)
	}
	c.cur[txid] = outs
}

// remember caches every output of txs, for later blocks' inputs.
func (c *outputCache) remember(txs []wireTx) {
	for i := range txs {
		c.put(txs[i].Txid, spentOf(txs[i].Vout))
	}
}

func spentOf(vout []wireVout) []spent {
	outs := make([]spent, len(vout))
	for i := range vout {
		outs[i] = vout[i].spent()
	}
	return outs
}

// resolve returns the outputs the inputs of txs spend, by outpoint.
func (s *Source) resolve(ctx context.Context, txs []wireTx) (map[outpoint]spent, error) {
	inBlock := make(map[string][]wireVout, len(txs))
	for i := range txs {
		inBlock[txs[i].Txid] = txs[i].Vout
	}
	found := map[outpoint]spent{}
	var missing []string
	asked := map[string]bool{}
	var fromBlock, fromCache float64
	for i := range txs {
		for _, in := range txs[i].Vin {
			if in.Coinbase != "" {
				continue
			}
			op := outpoint{in.Txid, in.Vout}
			if vout, ok := inBlock[in.Txid]; ok && in.Vout < uint64(len(vout)) {
				found[op] = vout[in.Vout].spent()
				fromBlock++
			} else if outs, ok := s.outputs.get(in.Txid); ok && in.Vout < uint64(len(outs)) {
				found[op] = outs[in.Vout]
				fromCache++
			} else if !asked[in.Txid] {
				asked[in.Txid] = true
				missing = append(missing, in.Txid)
			}
		}
	}
	s.metrics.prevouts.WithLabelValues(s.chain, "block").Add(fromBlock)
	s.metrics.prevouts.WithLabelValues(s.chain, "cache").Add(fromCache)
	if len(missing) == 0 {
		return found, nil
	}
	start := time.Now()
	fetched, err := s.rawTxs(ctx, missing)
	s.metrics.resolveSeconds.WithLabelValues(s.chain).Add(time.Since(start).Seconds())
	if err != nil {
		return nil, fmt.Errorf("resolving spent outputs: %w", err)
	}
	var fromNode float64
	for i := range txs {
		for _, in := range txs[i].Vin {
			op := outpoint{in.Txid, in.Vout}
			if _, ok := found[op]; ok || in.Coinbase != "" {
				continue
			}
			tx := fetched[in.Txid]
			if in.Vout >= uint64(len(tx.Vout)) {
				return nil, fmt.Errorf("input of %s spends output %d of %s, which has %d outputs: %w", txs[i].Txid, in.Vout, in.Txid, len(tx.Vout), chaintap.ErrInconsistent)
			}
			found[op] = tx.Vout[in.Vout].spent()
			fromNode++
		}
	}
	s.metrics.prevouts.WithLabelValues(s.chain, "node").Add(fromNode)
	return found, nil
}

// rawTxs fetches transactions by txid with getrawtransaction (verbose),
// BatchSize per request, batches in parallel under the concurrency bound,
// and caches their outputs.
func (s *Source) rawTxs(ctx context.Context, txids []string) (map[string]*wireTx, error) {
	txs := make([]wireTx, len(txids))
	g, gctx := errgroup.WithContext(ctx)
	for start := 0; start < len(txids); start += s.cfg.BatchSize {
		end := min(start+s.cfg.BatchSize, len(txids))
		g.Go(func() error { return s.rawTxBatch(gctx, txids[start:end], txs[start:end]) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make(map[string]*wireTx, len(txs))
	for i := range txs {
		out[txids[i]] = &txs[i]
		s.outputs.put(txids[i], spentOf(txs[i].Vout))
	}
	return out, nil
}

func (s *Source) rawTxBatch(ctx context.Context, txids []string, into []wireTx) error {
	calls := make([]call, len(txids))
	for i, id := range txids {
		calls[i] = call{Method: "getrawtransaction", Params: []any{id, 1}}
	}
	if err := s.batch(ctx, calls); err != nil {
		return err
	}
	for i, c := range calls {
		if c.Err != nil {
			return fmt.Errorf("transaction %s (a node needs -txindex to look up spent outputs): %w", txids[i], notFound(c.Err))
		}
		if isNull(c.Result) {
			return fmt.Errorf("transaction %s: %w", txids[i], chaintap.ErrNotFound)
		}
		if err := decode(c.Result, &into[i], "transaction "+txids[i]); err != nil {
			return err
		}
		if into[i].Txid != txids[i] {
			return fmt.Errorf("asked for transaction %s, the node answered %s: %w", txids[i], into[i].Txid, chaintap.ErrInconsistent)
		}
		if err := checkOutputs(&into[i]); err != nil {
			return err
		}
	}
	return nil
}

// checkOutputs refuses outputs without a value or out of order.
func checkOutputs(tx *wireTx) error {
	for i := range tx.Vout {
		if tx.Vout[i].Value == nil {
			return fmt.Errorf("transaction %s output %d has no value: %w", tx.Txid, i, chaintap.ErrMalformed)
		}
		if tx.Vout[i].N != uint64(i) {
			return fmt.Errorf("transaction %s output %d is numbered %d: %w", tx.Txid, i, tx.Vout[i].N, chaintap.ErrMalformed)
		}
	}
	return nil
}
