package evm

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/ethereum/go-ethereum/rpc"
	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/chaintap/chaintap"
)

// blockFetcher is the hot path's JSON-RPC transport over HTTP: one POST
// per block asking for the block and its receipts, the answer read into a
// reused buffer and decoded in one pass straight into the wire types.
//
// Why not go-ethereum's client here: it decodes a batch answer twice with
// encoding/json (the envelope into json.RawMessage, which validates and
// copies the whole block, then each result into its target), and
// encoding/json validates its input before decoding it. For a
// mainnet-sized answer (≈ 670 KB) that is ≈ 11 ms of CPU per block
// against ≈ 3 ms here (evm BenchmarkMainnetAnswer), on the one core a
// follower has when the node is remote. Everything else (heads, headers,
// tags, receipts one by one, WebSocket nodes, in-process clients) stays
// on go-ethereum's client.
//
// The decoder (github.com/go-json-experiment/json, the proposal for Go's
// encoding/json/v2) is stricter than encoding/json: duplicate field names
// and invalid UTF-8 are errors, and an answer that does not fit is
// chaintap.ErrMalformed as before. Field names match case-insensitively,
// as they did.
type blockFetcher struct {
	url    string
	client *http.Client
	ids    atomic.Uint64
	bufs   sync.Pool // of *bytes.Buffer
}

// decodeOpts are the options of every decode: encoding/json's name
// matching, the new strictness otherwise.
var decodeOpts = jsonv2.MatchCaseInsensitiveNames(true)

// maxAnswer bounds an answer's size; a larger one is malformed (the
// largest mainnet blocks' answers are a few MB).
const maxAnswer = 256 << 20

// rpcError is a JSON-RPC error object. It implements go-ethereum's
// rpc.Error, so retry classifies it as it classifies the client's.
type rpcError struct {
	Code    int            `json:"code"`
	Message string         `json:"message"`
	Data    jsontext.Value `json:"data,omitempty"`
}

var _ rpc.Error = (*rpcError)(nil)

func (e *rpcError) Error() string  { return e.Message }
func (e *rpcError) ErrorCode() int { return e.Code }

// answer is one element of a batch answer with its result decoded into
// T; Result stays nil for a JSON null.
type answer[T any] struct {
	ID     jsontext.Value `json:"id"`
	Error  *rpcError      `json:"error"`
	Result *T             `json:"result"`
}

// blockAnswers are a node's answers to a block's batch: the block (nil
// for null) and its receipts (nil for null, or not asked for), and the
// JSON-RPC error of either. The caller decides what they mean (a node
// without eth_getBlockReceipts, say).
type blockAnswers struct {
	block                 *wireBlock
	receipts              *[]wireReceipt
	blockErr, receiptsErr error
}

// fetch asks for a block (by method and id, as fetchBlock does) and its
// receipts in one batch.
func (f *blockFetcher) fetch(ctx context.Context, method, id string) (blockAnswers, error) {
	first := f.ids.Add(2) - 1
	req := fmt.Appendf(nil, `[{"jsonrpc":"2.0","id":%d,"method":%q,"params":[%q,true]},{"jsonrpc":"2.0","id":%d,"method":"eth_getBlockReceipts","params":[%q]}]`,
		first, method, id, first+1, id)
	buf := f.buffer()
	defer f.bufs.Put(buf)
	if err := f.post(ctx, req, buf); err != nil {
		return blockAnswers{}, err
	}
	return decodeBatch(buf.Bytes(), first)
}

func (f *blockFetcher) buffer() *bytes.Buffer {
	if b, ok := f.bufs.Get().(*bytes.Buffer); ok {
		b.Reset()
		return b
	}
	return new(bytes.Buffer)
}

// post sends req and reads the answer's body into buf. A status other
// than 200 is an rpc.HTTPError, as go-ethereum's client reports it.
func (f *blockFetcher) post(ctx context.Context, req []byte, buf *bytes.Buffer) error {
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, f.url, bytes.NewReader(req))
	if err != nil {
		return err
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	resp, err := f.client.Do(hreq)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := buf.ReadFrom(io.LimitReader(resp.Body, maxAnswer+1)); err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return rpc.HTTPError{StatusCode: resp.StatusCode, Status: resp.Status, Body: bytes.Clone(buf.Bytes()[:min(buf.Len(), 1024)])}
	}
	if buf.Len() > maxAnswer {
		return fmt.Errorf("%w: the answer is larger than %d bytes", chaintap.ErrMalformed, maxAnswer)
	}
	return nil
}

// decodeBatch decodes the answer to a batch whose block request had id
// first and receipts request first+1. Nodes answer in the order asked,
// so it decodes in that order, in one pass; an answer in another order
// (JSON-RPC allows it), or one that does not decode, is decoded again
// element by element (decodeByID), which also says which element is
// wrong. A node that rejects the whole batch answers with one error
// object.
func decodeBatch(body []byte, first uint64) (blockAnswers, error) {
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		var single answer[jsontext.Value]
		if err := jsonv2.Unmarshal(body, &single, decodeOpts); err != nil {
			return blockAnswers{}, malformed(err)
		}
		if single.Error == nil {
			return blockAnswers{}, fmt.Errorf("%w: a single answer to a batch, without an error", chaintap.ErrMalformed)
		}
		return blockAnswers{}, single.Error
	}
	blockID, receiptsID := strconv.AppendUint(nil, first, 10), strconv.AppendUint(nil, first+1, 10)
	var b answer[wireBlock]
	var r answer[[]wireReceipt]
	if err := decodePair(body, &b, &r); err == nil && bytes.Equal(b.ID, blockID) && bytes.Equal(r.ID, receiptsID) {
		a := blockAnswers{block: b.Result, receipts: r.Result}
		if b.Error != nil {
			a.blockErr = b.Error
		}
		if r.Error != nil {
			a.receiptsErr = r.Error
		}
		return a, nil
	}
	return decodeByID(body, blockID, receiptsID)
}

// decodePair decodes a JSON array of exactly two elements into x and y.
func decodePair(body []byte, x, y any) error {
	d := jsontext.NewDecoder(bytes.NewReader(body), decodeOpts)
	if tok, err := d.ReadToken(); err != nil || tok.Kind() != '[' {
		return fmt.Errorf("the answer to a batch is not an array (%v)", err)
	}
	for i, v := range []any{x, y} {
		if d.PeekKind() == ']' {
			return fmt.Errorf("the answer to a batch of 2 has %d elements", i)
		}
		if err := jsonv2.UnmarshalDecode(d, v, decodeOpts); err != nil {
			return err
		}
	}
	if tok, err := d.ReadToken(); err != nil || tok.Kind() != ']' {
		return fmt.Errorf("the answer to a batch of 2 has more elements (%v)", err)
	}
	if _, err := d.ReadToken(); err != io.EOF {
		return fmt.Errorf("data after the answer (%v)", err)
	}
	return nil
}

// decodeByID decodes a batch's answers matched by id. Receipts that do not
// decode are the receipts' error, so that the caller names their block.
func decodeByID(body, blockID, receiptsID []byte) (blockAnswers, error) {
	var all []answer[jsontext.Value]
	if err := jsonv2.Unmarshal(body, &all, decodeOpts); err != nil {
		return blockAnswers{}, malformed(err)
	}
	var bl, rc *answer[jsontext.Value]
	for i := range all {
		switch {
		case bytes.Equal(all[i].ID, blockID):
			bl = &all[i]
		case bytes.Equal(all[i].ID, receiptsID):
			rc = &all[i]
		}
	}
	if len(all) != 2 || bl == nil || rc == nil {
		return blockAnswers{}, fmt.Errorf("%w: %d answers to requests %s and %s", chaintap.ErrMalformed, len(all), blockID, receiptsID)
	}
	var a blockAnswers
	switch {
	case bl.Error != nil:
		a.blockErr = bl.Error
	case bl.Result != nil:
		a.block = new(wireBlock)
		if err := jsonv2.Unmarshal(*bl.Result, a.block, decodeOpts); err != nil {
			return blockAnswers{}, malformed(fmt.Errorf("the block: %w", err))
		}
	}
	switch {
	case rc.Error != nil:
		a.receiptsErr = rc.Error
	case rc.Result != nil:
		a.receipts = new([]wireReceipt)
		if err := jsonv2.Unmarshal(*rc.Result, a.receipts, decodeOpts); err != nil {
			a.receipts, a.receiptsErr = nil, malformed(err)
		}
	}
	return a, nil
}

func malformed(err error) error {
	return fmt.Errorf("%w: %v", chaintap.ErrMalformed, err)
}
