package devchain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
	"golang.org/x/sync/errgroup"
)

// ReplayConfig configures a replay node.
type ReplayConfig struct {
	// Addr is host:port to serve JSON-RPC over HTTP on (port 0: any).
	Addr string
	// From is the JSON-RPC URL of the node whose blocks are replayed.
	From string
	// First is the first of From's blocks to replay (default 1: genesis
	// holds no transactions); the templates are First..From's head.
	First uint64
	// Head is the replay's head: heights 0..Head are served.
	Head uint64
}

// Replay is a JSON-RPC node that serves a long chain made of a short one:
// block n is template block n mod N of the source node with its identity
// rewritten (number, hash, parent hash and timestamp, in the block and in
// every transaction, receipt and log), so that a follower sees a valid,
// linked chain of any length with the source's real answers. Hashes are
// not the blocks' true hashes (nothing recomputes those) but ReplayHash.
// It answers the methods a follower calls: eth_chainId, net_version,
// eth_blockNumber, eth_getBlockByNumber (tags too), eth_getBlockByHash,
// eth_getBlockReceipts, eth_getTransactionReceipt, in batches too.
type Replay struct {
	head    uint64
	chainID uint64
	full    []template // block with transactions, per template
	light   []template // block with transaction hashes
	rcpts   []template // the receipts array
	txs     map[string]txPos
	srv     *http.Server
	url     string
	served  sync.WaitGroup
}

// txPos is where a transaction is in the templates.
type txPos struct{ tmpl, index int }

// StartReplay reads the source's blocks (once) and serves their replay.
func StartReplay(ctx context.Context, cfg ReplayConfig) (*Replay, error) {
	if cfg.First == 0 {
		cfg.First = 1
	}
	r := &Replay{head: cfg.Head, txs: map[string]txPos{}}
	if err := r.load(ctx, cfg); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("replay node on %s: %w", cfg.Addr, err)
	}
	r.url = "http://" + l.Addr().String()
	r.srv = &http.Server{Handler: r}
	r.served.Go(func() { _ = r.srv.Serve(l) })
	return r, nil
}

// URL is the JSON-RPC endpoint.
func (r *Replay) URL() string { return r.url }

// Templates is the number of distinct blocks the replay repeats.
func (r *Replay) Templates() int { return len(r.full) }

// Close stops serving and waits for the server to end.
func (r *Replay) Close() {
	_ = r.srv.Close()
	r.served.Wait()
}

// load fetches the source's blocks First..head and cuts them into templates.
func (r *Replay) load(ctx context.Context, cfg ReplayConfig) error {
	c, err := rpc.DialContext(ctx, cfg.From)
	if err != nil {
		return fmt.Errorf("replay source %s: %w", cfg.From, err)
	}
	defer c.Close()
	var chainID, head hexutil.Uint64
	if err := c.CallContext(ctx, &chainID, "eth_chainId"); err != nil {
		return fmt.Errorf("replay source %s: eth_chainId: %w", cfg.From, err)
	}
	if err := c.CallContext(ctx, &head, "eth_blockNumber"); err != nil {
		return fmt.Errorf("replay source %s: eth_blockNumber: %w", cfg.From, err)
	}
	if uint64(head) < cfg.First {
		return fmt.Errorf("replay source %s: head %d is below the first template %d", cfg.From, head, cfg.First)
	}
	r.chainID = uint64(chainID)
	n := int(uint64(head) - cfg.First + 1)
	r.full, r.light, r.rcpts = make([]template, n), make([]template, n), make([]template, n)
	txHashes := make([][]string, n)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i := range n {
		g.Go(func() error {
			var err error
			txHashes[i], err = r.loadOne(gctx, c, i, cfg.First+uint64(i))
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	for i, hs := range txHashes {
		for j, h := range hs {
			r.txs[h] = txPos{i, j}
		}
	}
	return nil
}

// loadOne makes template i from the source's block number.
func (r *Replay) loadOne(ctx context.Context, c *rpc.Client, i int, number uint64) ([]string, error) {
	var full, light, rcpts json.RawMessage
	id := hexutil.EncodeUint64(number)
	batch := []rpc.BatchElem{
		{Method: "eth_getBlockByNumber", Args: []any{id, true}, Result: &full},
		{Method: "eth_getBlockByNumber", Args: []any{id, false}, Result: &light},
		{Method: "eth_getBlockReceipts", Args: []any{id}, Result: &rcpts},
	}
	if err := c.BatchCallContext(ctx, batch); err != nil {
		return nil, templateError("fetching", number, err)
	}
	for _, e := range batch {
		if e.Error != nil {
			return nil, templateError(e.Method, number, e.Error)
		}
	}
	var blk struct {
		Hash, ParentHash, Number, Timestamp string
		Transactions                        []string
	}
	if err := json.Unmarshal(light, &blk); err != nil || blk.Hash == "" {
		return nil, templateError("block", number, fmt.Errorf("not a block: %v", err))
	}
	id2 := identity{hash: blk.Hash, parent: blk.ParentHash, number: blk.Number, timestamp: blk.Timestamp}
	r.full[i], r.light[i] = makeTemplate(full, id2), makeTemplate(light, id2)
	// The receipts name the block but not its parent, and the parent's
	// hash could only appear there by chance.
	id2.parent = ""
	r.rcpts[i] = makeTemplate(rcpts, id2)
	return blk.Transactions, nil
}

// ServeHTTP answers a JSON-RPC request or batch.
func (r *Replay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 8<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	body = bytes.TrimSpace(body)
	batch := len(body) > 0 && body[0] == '['
	var calls []rpcCall
	if batch {
		err = json.Unmarshal(body, &calls)
	} else {
		calls = make([]rpcCall, 1)
		err = json.Unmarshal(body, &calls[0])
	}
	if err != nil {
		http.Error(w, "bad JSON-RPC request: "+err.Error(), http.StatusBadRequest)
		return
	}
	out := make([]byte, 0, 64<<10)
	if batch {
		out = append(out, '[')
	}
	for i, c := range calls {
		if i > 0 {
			out = append(out, ',')
		}
		out = r.answer(out, c)
	}
	if batch {
		out = append(out, ']')
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(out)))
	_, _ = w.Write(out)
}

type rpcCall struct {
	ID     json.RawMessage   `json:"id"`
	Method string            `json:"method"`
	Params []json.RawMessage `json:"params"`
}

// answer appends the response to one call.
func (r *Replay) answer(dst []byte, c rpcCall) []byte {
	id := c.ID
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	dst = append(dst, `{"jsonrpc":"2.0","id":`...)
	dst = append(dst, id...)
	dst = append(dst, `,"result":`...)
	start := len(dst)
	dst, err := r.result(dst, c)
	if err != nil {
		dst = append(dst[:start-len(`,"result":`)], `,"error":{"code":`...)
		code := -32602
		if errors.Is(err, errNoMethod) {
			code = -32601
		}
		dst = strconv.AppendInt(dst, int64(code), 10)
		dst = append(dst, `,"message":`...)
		dst = strconv.AppendQuote(dst, err.Error())
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

var errNoMethod = errors.New("the method does not exist on the replay node")

// result appends the result of one call.
func (r *Replay) result(dst []byte, c rpcCall) ([]byte, error) {
	switch c.Method {
	case "eth_chainId":
		return strconv.AppendQuote(dst, hexutil.EncodeUint64(r.chainID)), nil
	case "net_version":
		return strconv.AppendQuote(dst, strconv.FormatUint(r.chainID, 10)), nil
	case "web3_clientVersion":
		return append(dst, `"chaintap-replay"`...), nil
	case "eth_syncing":
		return append(dst, "false"...), nil
	case "eth_blockNumber":
		return strconv.AppendQuote(dst, hexutil.EncodeUint64(r.head)), nil
	case "eth_getBlockByNumber", "eth_getBlockByHash":
		var ref string
		full := false
		if len(c.Params) < 1 || json.Unmarshal(c.Params[0], &ref) != nil {
			return dst, fmt.Errorf("%s: want a block", c.Method)
		}
		if len(c.Params) > 1 && json.Unmarshal(c.Params[1], &full) != nil {
			return dst, fmt.Errorf("%s: want a boolean", c.Method)
		}
		n, ok := r.resolve(ref, c.Method == "eth_getBlockByHash")
		if !ok {
			return append(dst, "null"...), nil
		}
		t := &r.light[r.tmpl(n)]
		if full {
			t = &r.full[r.tmpl(n)]
		}
		return t.appendTo(dst, n), nil
	case "eth_getBlockReceipts":
		var ref string
		if len(c.Params) < 1 {
			return dst, errors.New("eth_getBlockReceipts: want a block")
		}
		if json.Unmarshal(c.Params[0], &ref) != nil {
			var obj struct {
				BlockHash   string `json:"blockHash"`
				BlockNumber string `json:"blockNumber"`
			}
			if json.Unmarshal(c.Params[0], &obj) != nil {
				return dst, errors.New("eth_getBlockReceipts: want a block")
			}
			ref = obj.BlockHash + obj.BlockNumber
		}
		n, ok := r.resolve(ref, len(ref) == 66)
		if !ok {
			return append(dst, "null"...), nil
		}
		return r.rcpts[r.tmpl(n)].appendTo(dst, n), nil
	case "eth_getTransactionReceipt":
		var hash string
		if len(c.Params) < 1 || json.Unmarshal(c.Params[0], &hash) != nil {
			return dst, errors.New("eth_getTransactionReceipt: want a hash")
		}
		return r.receipt(dst, strings.ToLower(hash))
	}
	return dst, fmt.Errorf("%w: %s", errNoMethod, c.Method)
}

// tmpl is the template of height n.
func (r *Replay) tmpl(n uint64) int { return int(n % uint64(len(r.full))) }

// resolve turns a block reference into a height at or below the head.
func (r *Replay) resolve(ref string, byHash bool) (uint64, bool) {
	if byHash {
		n, ok := replayHeight(ref)
		return n, ok && n <= r.head
	}
	var n uint64
	switch ref {
	case "latest", "pending":
		n = r.head
	case "earliest":
		n = 0
	case "safe":
		n = r.head - min(r.head, 32)
	case "finalized":
		n = r.head - min(r.head, 64)
	default:
		v, err := hexutil.DecodeUint64(ref)
		if err != nil {
			return 0, false
		}
		n = v
	}
	return n, n <= r.head
}

// receipt appends the receipt of a transaction: transactions repeat with
// their template, and the newest height at or below the head that holds
// it is the one answered, as a node answers for the canonical chain.
func (r *Replay) receipt(dst []byte, hash string) ([]byte, error) {
	pos, ok := r.txs[hash]
	N := uint64(len(r.full))
	if !ok || uint64(pos.tmpl) > r.head {
		return append(dst, "null"...), nil
	}
	n := r.head - (r.head+N-uint64(pos.tmpl))%N
	var all []json.RawMessage
	if err := json.Unmarshal(r.rcpts[pos.tmpl].appendTo(nil, n), &all); err != nil || pos.index >= len(all) {
		return dst, fmt.Errorf("receipts of block %d: %v", n, err)
	}
	return append(dst, all[pos.index]...), nil
}
