package btc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/chaintap/chaintap"
)

// The node is spoken to in plain JSON-RPC over net/http rather than
// through btcd's rpcclient: rpcclient's result types hold amounts as
// float64 (a Dogecoin amount such as 149620.0001 does not survive that;
// see the corpus's block_with_float_precision_loss), its batches need a
// client of their own, and it knows btcd's answers, not Bitcoin Core's
// newer ones (scriptPubKey.address, no reqSigs). Here every answer is
// decoded into wire types that keep amounts as their decimal text.

// Auth is how the node's RPC server is logged in to: a user and password,
// or Bitcoin Core's cookie file (which the node rewrites on every start,
// so it is read again when a login fails).
type Auth struct {
	User, Password string
	CookieFile     string
}

// rpcClient sends JSON-RPC 1.0 requests, one or a batch per HTTP POST.
type rpcClient struct {
	url  string
	http *http.Client
	auth Auth
	mu   sync.Mutex
	user string // from the cookie file when one is configured
	pass string
	ids  atomic.Uint64
}

// RPCError is an error the node answered with. Code is the node's
// (Bitcoin Core's RPC error codes; btcd uses the same numbers).
type RPCError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (e *RPCError) Error() string { return fmt.Sprintf("node error %d: %s", e.Code, e.Message) }

// HTTPError is an HTTP status without a JSON-RPC answer in its body.
type HTTPError struct {
	StatusCode int
	Body       string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.StatusCode, e.Body)
}

type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      uint64 `json:"id"`
	Method  string `json:"method"`
	Params  []any  `json:"params"`
}

type response struct {
	ID     uint64          `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *RPCError       `json:"error"`
}

// call is one element of a batch: its answer lands in Result or Err.
type call struct {
	Method string
	Params []any
	Result json.RawMessage
	Err    error
}

func newRPCClient(url string, auth Auth, hc *http.Client) *rpcClient {
	return &rpcClient{url: url, http: hc, auth: auth, user: auth.User, pass: auth.Password}
}

// credentials returns the user and password, reading the cookie file when
// one is configured and reload is set (at first use, after a 401).
func (c *rpcClient) credentials(reload bool) (string, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.auth.CookieFile == "" || (!reload && c.user != "") {
		return c.user, c.pass, nil
	}
	raw, err := os.ReadFile(c.auth.CookieFile)
	if err != nil {
		return "", "", fmt.Errorf("reading the node's cookie file: %w", err)
	}
	user, pass, ok := strings.Cut(strings.TrimSpace(string(raw)), ":")
	if !ok {
		return "", "", fmt.Errorf("cookie file %s is not user:password", c.auth.CookieFile)
	}
	c.user, c.pass = user, pass
	return user, pass, nil
}

// do sends calls as one request (a batch when there are several) and
// fills each call's Result or Err. The returned error is the transport's:
// when it is not nil no call has an answer.
func (c *rpcClient) do(ctx context.Context, calls []call) error {
	reqs := make([]request, len(calls))
	byID := make(map[uint64]int, len(calls))
	for i, cl := range calls {
		id := c.ids.Add(1)
		params := cl.Params
		if params == nil {
			params = []any{}
		}
		reqs[i] = request{JSONRPC: "1.0", ID: id, Method: cl.Method, Params: params}
		byID[id] = i
	}
	var body []byte
	var err error
	if len(reqs) == 1 {
		body, err = json.Marshal(reqs[0])
	} else {
		body, err = json.Marshal(reqs)
	}
	if err != nil {
		return err
	}
	raw, err := c.post(ctx, body)
	if err != nil {
		return err
	}
	return assign(raw, calls, byID)
}

// post sends body and returns the answer's body. A node answers a single
// request's error with HTTP 500 or 404 and a JSON-RPC error inside (Core
// does), so those bodies are returned when they hold one.
func (c *rpcClient) post(ctx context.Context, body []byte) ([]byte, error) {
	for reload := false; ; reload = true {
		user, pass, err := c.credentials(reload)
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		if user != "" || pass != "" {
			req.SetBasicAuth(user, pass)
		}
		resp, err := c.http.Do(req)
		if err != nil {
			return nil, err
		}
		raw, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		switch {
		case resp.StatusCode == http.StatusUnauthorized && c.auth.CookieFile != "" && !reload:
			continue // the node restarted with a new cookie
		case resp.StatusCode == http.StatusOK:
			return raw, nil
		case (resp.StatusCode == http.StatusInternalServerError || resp.StatusCode == http.StatusNotFound) && looksLikeJSONRPC(raw):
			return raw, nil
		}
		return nil, &HTTPError{StatusCode: resp.StatusCode, Body: strings.TrimSpace(string(raw[:min(len(raw), 200)]))}
	}
}

func looksLikeJSONRPC(raw []byte) bool {
	var r struct {
		Error *RPCError `json:"error"`
	}
	return json.Unmarshal(raw, &r) == nil && r.Error != nil
}

// assign matches answers to calls by id; a call the node did not answer
// gets ErrMalformed.
func assign(raw []byte, calls []call, byID map[uint64]int) error {
	var resps []response
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if err := json.Unmarshal(trimmed, &resps); err != nil {
			return fmt.Errorf("%w: batch answer: %v", chaintap.ErrMalformed, err)
		}
	} else {
		var r response
		if err := json.Unmarshal(trimmed, &r); err != nil {
			return fmt.Errorf("%w: answer: %v", chaintap.ErrMalformed, err)
		}
		if len(calls) == 1 {
			r.ID = reqIDOf(byID)
		}
		resps = []response{r}
	}
	answered := make([]bool, len(calls))
	for _, r := range resps {
		i, ok := byID[r.ID]
		if !ok {
			continue
		}
		answered[i] = true
		if r.Error != nil {
			calls[i].Err = r.Error
			continue
		}
		calls[i].Result = r.Result
	}
	for i := range calls {
		if !answered[i] {
			calls[i].Err = fmt.Errorf("%w: no answer to %s in the batch", chaintap.ErrMalformed, calls[i].Method)
		}
	}
	return nil
}

// reqIDOf returns the only id of a one-call request: a node that answers
// a single request without echoing its id (some do, with null) is
// still answering it.
func reqIDOf(byID map[uint64]int) uint64 {
	for id := range byID {
		return id
	}
	return 0
}
