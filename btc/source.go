// Package btc reads Bitcoin-family chains (Bitcoin Core, btcd, and nodes
// that speak Bitcoin Core's JSON-RPC such as Dogecoin's) and implements
// chaintap.BlockSource: blocks by getblockhash + getblock (verbosity 2, or
// 1 plus getrawtransaction where a node lacks 2), each input resolved to
// the output it spends.
package btc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/chaintap/chaintap"
)

// Config configures a Source.
type Config struct {
	Chain string
	// URL is the node's RPC endpoint (http://host:port).
	URL  string
	Auth Auth
	// Concurrency bounds the requests in flight (a batch counts once).
	Concurrency int
	// BatchSize is the number of calls in one JSON-RPC batch (spent
	// outputs' transactions, a verbosity-1 block's transactions).
	BatchSize int
	// PollInterval is how often the tip is polled.
	PollInterval time.Duration
	// ZMQHashblock, when set, is the node's ZMQ hashblock endpoint
	// (Bitcoin Core's -zmqpubhashblock, e.g. tcp://127.0.0.1:28332): each
	// notification wakes the tip check at once. Polling goes on beside
	// it, since ZMQ drops messages by design.
	ZMQHashblock string
	// CacheTxs bounds the transactions whose outputs are kept to resolve
	// later inputs (most spend recent outputs).
	CacheTxs int
	// CallTimeout bounds one request (default 60 s, room for a 4 MB
	// block at verbosity 2 from a busy node). Without it a node that
	// stops answering on an open connection held a call, and the chain,
	// for ever, where a timeout is retried like any transport failure.
	CallTimeout time.Duration
	Retry       RetryPolicy
}

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
	if c.CacheTxs <= 0 {
		c.CacheTxs = 100_000
	}
	if c.CallTimeout <= 0 {
		c.CallTimeout = 60 * time.Second
	}
	if c.Retry == (RetryPolicy{}) {
		c.Retry = DefaultRetry
	}
}

// Source is a chaintap.BlockSource over a Bitcoin-family node's JSON-RPC.
// It is safe for concurrent use.
type Source struct {
	chain   string
	cfg     Config
	rpc     *rpcClient
	sem     chan struct{}
	log     *slog.Logger
	metrics *Metrics
	outputs *outputCache
	// verbosity2 is 0 while unknown, 1 when getblock answers verbosity 2
	// with transactions, -1 when the node lacks it.
	verbosity2 atomic.Int32
}

var _ chaintap.BlockSource = (*Source)(nil)

// New returns a source for cfg.URL; it does not connect (Dial does).
func New(cfg Config, log *slog.Logger, m *Metrics) *Source {
	cfg.defaults()
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = max(cfg.Concurrency, 2)
	return &Source{chain: cfg.Chain, cfg: cfg, rpc: newRPCClient(cfg.URL, cfg.Auth, &http.Client{Transport: transport}),
		sem: make(chan struct{}, cfg.Concurrency), log: log, metrics: m, outputs: newOutputCache(cfg.CacheTxs)}
}

// Dial returns a source and checks that a node answers at cfg.URL, so
// that a wrong URL or wrong credentials fail at start-up naming them.
func Dial(ctx context.Context, cfg Config, log *slog.Logger, m *Metrics) (*Source, error) {
	s := New(cfg, log, m)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := s.callOnce(pctx, "getblockcount"); err != nil {
		return nil, fmt.Errorf("node %s of chain %s does not answer getblockcount: %w", cfg.URL, cfg.Chain, err)
	}
	return s, nil
}

// Close releases idle connections.
func (s *Source) Close() { s.rpc.http.CloseIdleConnections() }

// batch sends calls in one request under the concurrency bound; each
// call's own error is left in it.
func (s *Source) batch(ctx context.Context, calls []call) error {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.sem }()
	label := calls[0].Method
	if len(calls) > 1 {
		label = "batch:" + label
	}
	s.metrics.requests.WithLabelValues(s.chain, label).Inc()
	ctx, cancel := context.WithTimeout(ctx, s.cfg.CallTimeout)
	defer cancel()
	return s.rpc.do(ctx, calls)
}

// callOnce is one call, not retried.
func (s *Source) callOnce(ctx context.Context, method string, params ...any) ([]byte, error) {
	c := []call{{Method: method, Params: params}}
	if err := s.batch(ctx, c); err != nil {
		return nil, err
	}
	return c[0].Result, c[0].Err
}

// HeadNumber implements chaintap.BlockSource: getblockcount.
func (s *Source) HeadNumber(ctx context.Context) (uint64, error) {
	var n uint64
	err := s.retry(ctx, "reading the block count", func(ctx context.Context) error {
		raw, err := s.callOnce(ctx, "getblockcount")
		if err != nil {
			return err
		}
		return decode(raw, &n, "getblockcount")
	})
	return n, err
}

// ErrNoTags: Bitcoin has no finalized or safe block; confirmations are
// counted instead.
var ErrNoTags = errors.New("Bitcoin-family nodes label no block finalized or safe: count confirmations instead")

// TagNumber implements chaintap.BlockSource; it always fails (ErrNoTags).
func (s *Source) TagNumber(context.Context, string) (uint64, error) {
	return 0, fmt.Errorf("chain %s: %w", s.chain, ErrNoTags)
}

// HeaderByNumber implements chaintap.BlockSource: getblockhash, then
// getblockheader. "Not found" is retried (bounded): the follower asks
// only about heights at or below a tip the node announced.
func (s *Source) HeaderByNumber(ctx context.Context, number uint64) (chaintap.Header, error) {
	var h chaintap.Header
	err := s.retry(ctx, fmt.Sprintf("reading header %d", number), func(ctx context.Context) error {
		hash, err := s.blockHash(ctx, number)
		if err != nil {
			return err
		}
		raw, err := s.callOnce(ctx, "getblockheader", hash, true)
		if err != nil {
			return notFound(err)
		}
		if isNull(raw) {
			return chaintap.ErrNotFound
		}
		var w wireBlock
		if err := decode(raw, &w, "header "+hash); err != nil {
			return err
		}
		if h, err = w.header(); err != nil {
			return err
		}
		return checkIdentity(h, number, hash)
	})
	return h, err
}

// blockHash is getblockhash; a height above the tip is ErrNotFound.
func (s *Source) blockHash(ctx context.Context, number uint64) (string, error) {
	raw, err := s.callOnce(ctx, "getblockhash", number)
	if err != nil {
		return "", notFound(err)
	}
	var hash string
	if err := decode(raw, &hash, "getblockhash "+strconv.FormatUint(number, 10)); err != nil {
		return "", err
	}
	return hash, checkHash("getblockhash "+strconv.FormatUint(number, 10), hash)
}

// notFound maps the node's "no such block or height" errors to
// chaintap.ErrNotFound: Core's -8 (height out of range) and -5 (unknown
// hash or txid); btcd answers a height out of range with -1, which it
// also uses for other failures, so those stay node errors (bounded
// retries) unless the message says so.
func notFound(err error) error {
	var rpcErr *RPCError
	if errors.As(err, &rpcErr) {
		switch {
		case rpcErr.Code == rpcInvalidParam, rpcErr.Code == rpcInvalidKey,
			rpcErr.Code == rpcMisc && rpcErr.Message == "Block number out of range":
			return fmt.Errorf("%w: %w", chaintap.ErrNotFound, err)
		}
	}
	return err
}

// checkIdentity refuses an answer about another block than the one asked
// for: a load-balanced node can answer from a replica on another branch.
func checkIdentity(h chaintap.Header, number uint64, hash string) error {
	if h.Number != number || (hash != "" && h.Hash != hash) {
		return fmt.Errorf("asked for block %d %s, the node answered block %d %s: %w", number, hash, h.Number, h.Hash, chaintap.ErrInconsistent)
	}
	return nil
}

// BlockByNumber implements chaintap.BlockSource.
func (s *Source) BlockByNumber(ctx context.Context, number uint64) (chaintap.Block, error) {
	b, err := s.BitcoinBlockByNumber(ctx, number)
	if err != nil {
		return nil, err // not a nil *BitcoinBlock in a non-nil Block
	}
	return b, nil
}

// BitcoinBlockByNumber is BlockByNumber for callers that want the fields.
func (s *Source) BitcoinBlockByNumber(ctx context.Context, number uint64) (*chaintap.BitcoinBlock, error) {
	var b *chaintap.BitcoinBlock
	err := s.retry(ctx, fmt.Sprintf("fetching block %d", number), func(ctx context.Context) error {
		hash, err := s.blockHash(ctx, number)
		if err != nil {
			return err
		}
		b, err = s.fetch(ctx, hash, &number)
		return err
	})
	return b, err
}

// BlockByHash implements chaintap.BlockSource.
func (s *Source) BlockByHash(ctx context.Context, hash string) (chaintap.Block, error) {
	var b *chaintap.BitcoinBlock
	err := s.retry(ctx, "fetching block "+hash, func(ctx context.Context) error {
		var err error
		b, err = s.fetch(ctx, hash, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}
