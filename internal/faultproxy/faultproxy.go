// Package faultproxy is an HTTP JSON-RPC proxy that injects the faults
// real nodes and load balancers produce: dropped connections, HTTP 429 and
// 500, slow answers, and a lagging replica that answers "not found" (null)
// for blocks. Tests put it between the follower and a node.
package faultproxy

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"
)

// Fault kinds, also the keys of Proxy.Injected.
const (
	Drop      = "drop"
	Status429 = "http_429"
	Status500 = "http_500"
	Slow      = "slow"
	NotFound  = "not_found"
	Garbage   = "garbage"
)

// Config sets the probability of each fault per request.
type Config struct {
	Drop, Status429, Status500, Slow, NotFound, Garbage float64
	SlowFor                                             time.Duration
	// Latency is added to every request, as a network between the
	// follower and a node in the same data centre would.
	Latency time.Duration
	Seed    uint64
}

// Proxy forwards to a JSON-RPC HTTP endpoint, injecting faults.
type Proxy struct {
	URL      string
	target   string
	cfg      Config
	srv      *httptest.Server
	mu       sync.Mutex
	rng      *rand.Rand
	counts   sync.Map // fault → *atomic.Int64
	upstream *http.Client
}

// Start starts a proxy for target.
func Start(target string, cfg Config) *Proxy {
	if cfg.SlowFor == 0 {
		cfg.SlowFor = 200 * time.Millisecond
	}
	p := &Proxy{target: target, cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed+1)),
		upstream: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	p.URL = p.srv.URL
	return p
}

// Close stops the proxy.
func (p *Proxy) Close() { p.srv.Close() }

// Injected returns how many faults of a kind were injected.
func (p *Proxy) Injected(kind string) int64 {
	v, ok := p.counts.Load(kind)
	if !ok {
		return 0
	}
	return v.(*atomic.Int64).Load()
}

func (p *Proxy) count(kind string) {
	v, _ := p.counts.LoadOrStore(kind, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

func (p *Proxy) pick() string {
	p.mu.Lock()
	x := p.rng.Float64()
	p.mu.Unlock()
	c := p.cfg
	for _, f := range []struct {
		kind string
		p    float64
	}{{Drop, c.Drop}, {Status429, c.Status429}, {Status500, c.Status500}, {Slow, c.Slow}, {NotFound, c.NotFound}, {Garbage, c.Garbage}} {
		if x < f.p {
			return f.kind
		}
		x -= f.p
	}
	return ""
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if p.cfg.Latency > 0 {
		time.Sleep(p.cfg.Latency)
	}
	fault := p.pick()
	switch fault {
	case Drop:
		p.count(fault)
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
	case Status429:
		p.count(fault)
		http.Error(w, "too many requests", http.StatusTooManyRequests)
		return
	case Status500:
		p.count(fault)
		http.Error(w, "upstream unavailable", http.StatusInternalServerError)
		return
	case Slow:
		p.count(fault)
		time.Sleep(p.cfg.SlowFor)
	case NotFound, Garbage:
		result := "null"
		if fault == Garbage {
			result = `{"number":"0xzz","hash":"not a hash"}`
		}
		if resp, ok := p.tamper(r, body, result); ok {
			p.count(fault)
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(resp)
			return
		}
	}
	p.forward(w, r, body)
}

// post sends body to the node as r's request would go.
func (p *Proxy) post(r *http.Request, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(r.Context(), http.MethodPost, p.target, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if auth := r.Header.Get("Authorization"); auth != "" {
		req.Header.Set("Authorization", auth) // a Bitcoin node's basic auth
	}
	return p.upstream.Do(req)
}

func (p *Proxy) forward(w http.ResponseWriter, r *http.Request, body []byte) {
	resp, err := p.post(r, body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

type rpcMsg struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method,omitempty"`
	Params []any           `json:"params,omitempty"`
}

// tamper forwards a request that asks for blocks (alone or in a batch) and
// replaces the block answers with result: null is what a lagging replica
// says, anything else is garbage. Requests for the head are left alone.
func (p *Proxy) tamper(r *http.Request, body []byte, result string) ([]byte, bool) {
	var reqs []rpcMsg
	batch := len(bytes.TrimSpace(body)) > 0 && bytes.TrimSpace(body)[0] == '['
	if batch {
		if json.Unmarshal(body, &reqs) != nil {
			return nil, false
		}
	} else {
		var one rpcMsg
		if json.Unmarshal(body, &one) != nil {
			return nil, false
		}
		reqs = []rpcMsg{one}
	}
	target := map[string]bool{}
	for _, q := range reqs {
		if asksForBlock(q) {
			target[string(q.ID)] = true
		}
	}
	if len(target) == 0 {
		return nil, false
	}
	resp, err := p.post(r, body)
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, false
	}
	var answers []map[string]json.RawMessage
	if batch {
		if json.Unmarshal(raw, &answers) != nil {
			return nil, false
		}
	} else {
		var one map[string]json.RawMessage
		if json.Unmarshal(raw, &one) != nil {
			return nil, false
		}
		answers = []map[string]json.RawMessage{one}
	}
	for _, a := range answers {
		if target[string(a["id"])] {
			a["result"] = json.RawMessage(result)
			delete(a, "error")
		}
	}
	var out []byte
	if batch {
		out, err = json.Marshal(answers)
	} else {
		out, err = json.Marshal(answers[0])
	}
	return out, err == nil
}

func asksForBlock(q rpcMsg) bool {
	switch q.Method {
	case "eth_getBlockByNumber":
		if len(q.Params) == 0 {
			return false
		}
		tag, _ := q.Params[0].(string)
		return tag != "latest" && tag != "finalized" && tag != "safe" && tag != "pending"
	case "eth_getBlockByHash":
		return true
	case "getblock", "getblockheader", "getrawtransaction": // Bitcoin Core's
		return true
	}
	return false
}
