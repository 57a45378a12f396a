// Package evm reads EVM chains over JSON-RPC (HTTP, WebSocket or an
// in-process go-ethereum rpc.Client) and implements chaintap.BlockSource.
package evm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap"
)

// Config configures a Source.
type Config struct {
	Chain string
	// URL is the node's endpoint: http(s):// or ws(s)://.
	URL string
	// Concurrency bounds the JSON-RPC requests in flight (a batch counts once).
	Concurrency int
	// BatchSize is the number of receipts asked for in one JSON-RPC batch
	// when the node lacks eth_getBlockReceipts.
	BatchSize int
	// PollInterval is how often the head is polled when the node offers no
	// subscriptions (plain HTTP).
	PollInterval time.Duration
	Retry        RetryPolicy
	// Compression is whether HTTP answers are asked for gzip-compressed:
	// "gzip", "none", or "auto" (the default): none when the node is on
	// this machine (a loopback address or localhost), gzip otherwise.
	// Compressing costs the node more CPU than it saves on a loopback
	// socket: backfill from a local node runs 16 % faster without it
	// (bench BackfillCompression: 693 → 815 blocks/s, 2 cores shared with
	// the node).
	Compression string
}

// Compression settings.
const (
	CompressionAuto = "auto"
	CompressionGzip = "gzip"
	CompressionNone = "none"
)

func (c *Config) defaults() {
	if c.Concurrency <= 0 {
		c.Concurrency = 16
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 100
	}
	if c.PollInterval <= 0 {
		c.PollInterval = time.Second
	}
	if c.Retry == (RetryPolicy{}) {
		c.Retry = DefaultRetry
	}
	if c.Compression == "" {
		c.Compression = CompressionAuto
	}
}

// Source is a chaintap.BlockSource over JSON-RPC. It is safe for concurrent use.
type Source struct {
	chain   string
	client  *rpc.Client
	cfg     Config
	sem     chan struct{}
	log     *slog.Logger
	metrics *Metrics
	// blockReceipts is 0 while unknown, 1 when eth_getBlockReceipts works,
	// -1 when the node lacks it.
	blockReceipts atomic.Int32
	// fetcher fetches blocks over HTTP on the hot path (fetch.go); nil for
	// WebSocket nodes and in-process clients, which use client.
	fetcher *blockFetcher
}

var _ chaintap.BlockSource = (*Source)(nil)

// Dial connects to cfg.URL and checks that a node answers there, so that a
// wrong URL fails at start-up with a message naming it.
func Dial(ctx context.Context, cfg Config, log *slog.Logger, m *Metrics) (*Source, error) {
	cfg.defaults()
	hc := httpClient(cfg)
	client, err := rpc.DialOptions(ctx, cfg.URL, rpc.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("connecting to node %s of chain %s: %w", cfg.URL, cfg.Chain, err)
	}
	s := New(client, cfg, log, m)
	if u, err := url.Parse(cfg.URL); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		s.fetcher = &blockFetcher{url: cfg.URL, client: hc}
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var id hexutil.Big
	if err := client.CallContext(pctx, &id, "eth_chainId"); err != nil {
		client.Close()
		return nil, fmt.Errorf("node %s of chain %s does not answer eth_chainId: %w", cfg.URL, cfg.Chain, err)
	}
	return s, nil
}

// DialRPC connects a JSON-RPC client to cfg.URL. Over HTTP it keeps up
// to cfg.Concurrency idle connections per node (Go's default keeps 2, so
// a parallel backfill would open and close connections all the time), and
// asks for compressed answers as cfg.Compression says.
func DialRPC(ctx context.Context, cfg Config) (*rpc.Client, error) {
	cfg.defaults()
	return rpc.DialOptions(ctx, cfg.URL, rpc.WithHTTPClient(httpClient(cfg)))
}

// httpClient is the HTTP client of a node's calls, DialRPC's and the
// block fetcher's: one pool of connections.
func httpClient(cfg Config) *http.Client {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = max(cfg.Concurrency, 2)
	transport.DisableCompression = !cfg.compress()
	return &http.Client{Transport: transport}
}

// compress reports whether to ask for gzip-compressed answers.
func (c Config) compress() bool {
	switch c.Compression {
	case CompressionGzip:
		return true
	case CompressionNone:
		return false
	}
	return !IsLocal(c.URL)
}

// IsLocal reports whether rawURL names this machine: localhost or a
// loopback address. An unparsable URL is not local.
func IsLocal(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// New wraps an existing client (e.g. an in-process node's).
func New(client *rpc.Client, cfg Config, log *slog.Logger, m *Metrics) *Source {
	cfg.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	return &Source{chain: cfg.Chain, client: client, cfg: cfg,
		sem: make(chan struct{}, cfg.Concurrency), log: log, metrics: m}
}

// Close closes the connection.
func (s *Source) Close() { s.client.Close() }

// call is one JSON-RPC request under the concurrency bound.
func (s *Source) call(ctx context.Context, result any, method string, args ...any) error {
	if err := s.acquire(ctx); err != nil {
		return err
	}
	defer s.release()
	s.metrics.requests.WithLabelValues(s.chain, method).Inc()
	return s.client.CallContext(ctx, result, method, args...)
}

// batchCall sends one batch under the concurrency bound; per-element
// errors are left in elems.
func (s *Source) batchCall(ctx context.Context, elems []rpc.BatchElem) error {
	if err := s.acquire(ctx); err != nil {
		return err
	}
	defer s.release()
	s.metrics.requests.WithLabelValues(s.chain, "batch:"+elems[0].Method).Inc()
	return s.client.BatchCallContext(ctx, elems)
}

// batch is batchCall where every element must succeed.
func (s *Source) batch(ctx context.Context, elems []rpc.BatchElem) error {
	if err := s.batchCall(ctx, elems); err != nil {
		return err
	}
	for i := range elems {
		if elems[i].Error != nil {
			return elems[i].Error
		}
	}
	return nil
}

func (s *Source) acquire(ctx context.Context) error {
	select {
	case s.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Source) release() { <-s.sem }

// HeadNumber implements chaintap.BlockSource.
func (s *Source) HeadNumber(ctx context.Context) (uint64, error) {
	var n hexutil.Uint64
	err := s.retry(ctx, "reading the head block number", func(ctx context.Context) error {
		return s.call(ctx, &n, "eth_blockNumber")
	})
	return uint64(n), err
}

// TagNumber implements chaintap.BlockSource.
func (s *Source) TagNumber(ctx context.Context, tag string) (uint64, error) {
	h, err := s.header(ctx, "reading the "+tag+" block", tag)
	return h.Number, err
}

// HeaderByNumber implements chaintap.BlockSource. "Not found" is retried
// (bounded): the follower only asks about heights at or below a head the
// node announced, so null there is most likely a lagging replica.
func (s *Source) HeaderByNumber(ctx context.Context, number uint64) (chaintap.Header, error) {
	return s.header(ctx, fmt.Sprintf("reading header %d", number), hexutil.EncodeUint64(number))
}

func (s *Source) header(ctx context.Context, what, id string) (chaintap.Header, error) {
	var h chaintap.Header
	err := s.retry(ctx, what, func(ctx context.Context) error {
		var raw json.RawMessage
		if err := s.call(ctx, &raw, "eth_getBlockByNumber", id, false); err != nil {
			return err
		}
		if isNull(raw) {
			return chaintap.ErrNotFound
		}
		var w struct {
			Number     *hexutil.Uint64 `json:"number"`
			Hash       *string         `json:"hash"`
			ParentHash string          `json:"parentHash"`
		}
		if err := decodeResult(raw, &w, "block header"); err != nil {
			return err
		}
		var err error
		h, err = (&wireBlock{Number: w.Number, Hash: w.Hash, ParentHash: w.ParentHash}).header()
		return err
	})
	return h, err
}

// BlockByNumber implements chaintap.BlockSource. "Not found" is retried:
// the follower only asks for blocks the node announced.
func (s *Source) BlockByNumber(ctx context.Context, number uint64) (chaintap.Block, error) {
	b, err := s.EVMBlockByNumber(ctx, number)
	if err != nil {
		return nil, err // not a nil *EVMBlock in a non-nil Block
	}
	return b, nil
}

// EVMBlockByNumber is BlockByNumber for callers that want the EVM fields.
func (s *Source) EVMBlockByNumber(ctx context.Context, number uint64) (*chaintap.EVMBlock, error) {
	return s.block(ctx, fmt.Sprintf("fetching block %d", number), "eth_getBlockByNumber", hexutil.EncodeUint64(number))
}

// BlockByHash implements chaintap.BlockSource.
func (s *Source) BlockByHash(ctx context.Context, hash string) (chaintap.Block, error) {
	b, err := s.block(ctx, "fetching block "+hash, "eth_getBlockByHash", hash)
	if err != nil {
		return nil, err
	}
	return b, nil
}

func (s *Source) block(ctx context.Context, what, method, id string) (*chaintap.EVMBlock, error) {
	var b *chaintap.EVMBlock
	err := s.retry(ctx, what, func(ctx context.Context) error {
		w, receipts, err := s.fetchBlock(ctx, method, id)
		if err != nil {
			return err
		}
		b, err = w.toBlock(s.chain, receipts)
		return err
	})
	return b, err
}

// fetchBlock asks for a block and its receipts in one JSON-RPC batch (one
// round trip, answered by one backend of a load balancer) where the node
// has eth_getBlockReceipts, and falls back to batched
// eth_getTransactionReceipt where it does not.
func (s *Source) fetchBlock(ctx context.Context, method, id string) (*wireBlock, []wireReceipt, error) {
	withReceipts := s.blockReceipts.Load() >= 0
	var a blockAnswers
	var err error
	if withReceipts && s.fetcher != nil {
		a, err = s.fetchFast(ctx, method, id)
	} else {
		a, err = s.fetchRPC(ctx, method, id, withReceipts)
	}
	if err != nil {
		return nil, nil, err
	}
	if a.blockErr != nil {
		return nil, nil, resultError(a.blockErr, "block")
	}
	if a.block == nil {
		return nil, nil, chaintap.ErrNotFound
	}
	w := *a.block
	h, err := w.header()
	if err != nil {
		return nil, nil, err
	}
	if withReceipts {
		var rpcErr rpc.Error
		switch err := a.receiptsErr; {
		case err == nil:
			s.blockReceipts.Store(1)
			if a.receipts == nil {
				return nil, nil, fmt.Errorf("receipts of block %d %s: %w", h.Number, h.Hash, chaintap.ErrNotFound)
			}
			return &w, *a.receipts, nil
		case errors.As(err, &rpcErr) && (rpcErr.ErrorCode() == rpcMethodNotFound || rpcErr.ErrorCode() == rpcMethodNotSupported):
			s.log.Info("node lacks eth_getBlockReceipts; fetching receipts in batches", "chain", s.chain)
			s.blockReceipts.Store(-1)
		default:
			return nil, nil, resultError(err, fmt.Sprintf("receipts of block %d", h.Number))
		}
	}
	if len(w.Transactions) == 0 {
		return &w, nil, nil
	}
	rs, err := s.receiptsBatched(ctx, h, w.Transactions)
	return &w, rs, err
}

// fetchFast is the block's batch through our own transport (fetch.go).
func (s *Source) fetchFast(ctx context.Context, method, id string) (blockAnswers, error) {
	if err := s.acquire(ctx); err != nil {
		return blockAnswers{}, err
	}
	defer s.release()
	s.metrics.requests.WithLabelValues(s.chain, "batch:"+method).Inc()
	return s.fetcher.fetch(ctx, method, id)
}

// fetchRPC is the block's batch through go-ethereum's client. The answers
// decode straight into the wire types (the client unmarshals each result
// into its target): through a json.RawMessage, every block would be
// validated and copied once more. A JSON null leaves the pointers nil.
func (s *Source) fetchRPC(ctx context.Context, method, id string, withReceipts bool) (blockAnswers, error) {
	var a blockAnswers
	elems := []rpc.BatchElem{{Method: method, Args: []any{id, true}, Result: &a.block}}
	if withReceipts {
		elems = append(elems, rpc.BatchElem{Method: "eth_getBlockReceipts", Args: []any{id}, Result: &a.receipts})
	}
	if err := s.batchCall(ctx, elems); err != nil {
		return a, err
	}
	a.blockErr = elems[0].Error
	if withReceipts {
		a.receiptsErr = elems[1].Error
	}
	return a, nil
}

// JSON-RPC error codes of a node that lacks a method: JSON-RPC 2.0's
// "method not found", and EIP-1474's "method not supported".
const (
	rpcMethodNotFound     = -32601
	rpcMethodNotSupported = -32004
)

func (s *Source) receiptsBatched(ctx context.Context, h chaintap.Header, txs []wireTx) ([]wireReceipt, error) {
	raws := make([]json.RawMessage, len(txs))
	g, gctx := errgroup.WithContext(ctx)
	for start := 0; start < len(txs); start += s.cfg.BatchSize {
		end := min(start+s.cfg.BatchSize, len(txs))
		g.Go(func() error {
			elems := make([]rpc.BatchElem, 0, end-start)
			for i := start; i < end; i++ {
				elems = append(elems, rpc.BatchElem{Method: "eth_getTransactionReceipt", Args: []any{txs[i].Hash}, Result: &raws[i]})
			}
			return s.batch(gctx, elems)
		})
	}
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("receipts of block %d: %w", h.Number, err)
	}
	rs := make([]wireReceipt, len(txs))
	for i, raw := range raws {
		if isNull(raw) {
			return nil, fmt.Errorf("receipt of %s in block %d: %w", txs[i].Hash, h.Number, chaintap.ErrNotFound)
		}
		if err := decodeResult(raw, &rs[i], "receipt of "+txs[i].Hash); err != nil {
			return nil, err
		}
	}
	return rs, nil
}
