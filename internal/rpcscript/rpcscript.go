// Package rpcscript is a scripted JSON-RPC server for tests: it answers
// each (method, params) with a recorded result, as a node would over HTTP,
// batches included.
package rpcscript

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
)

// Server answers from its script; unknown calls get JSON-RPC error -32601
// (for a method it has no answer for) or a null result (for known methods
// with unknown params, as a node says "not found").
type Server struct {
	URL     string
	srv     *httptest.Server
	mu      sync.Mutex
	answers map[string]json.RawMessage // key: method + " " + compact params
	methods map[string]bool
	fails   map[string]*rpcError // by method: answered with this error
	refuses map[string]*rpcError // by method + params: answered with this error
	calls   map[string]int
	reverse bool // answer batches last request first
}

// ReverseBatches makes the server answer a batch's requests in reverse
// order, as JSON-RPC 2.0 allows.
func (s *Server) ReverseBatches() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reverse = true
}

// Start starts an empty server.
func Start() *Server {
	s := &Server{answers: map[string]json.RawMessage{}, methods: map[string]bool{}, fails: map[string]*rpcError{}, refuses: map[string]*rpcError{}, calls: map[string]int{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// Answer scripts result (raw JSON) for method called with params.
func (s *Server) Answer(method string, params []any, result json.RawMessage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answers[key(method, params)] = result
	s.methods[method] = true
}

// Fail answers every call of method with a JSON-RPC error.
func (s *Server) Fail(method string, code int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails[method] = &rpcError{Code: code, Message: message}
}

// Refuse answers method called with params with a JSON-RPC error (a node
// refusing an argument it does not know).
func (s *Server) Refuse(method string, params []any, code int, message string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refuses[key(method, params)] = &rpcError{Code: code, Message: message}
	s.methods[method] = true
}

// Calls returns how often method was called.
func (s *Server) Calls(method string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method]
}

func key(method string, params []any) string {
	if params == nil {
		params = []any{}
	}
	b, _ := json.Marshal(params)
	return method + " " + string(b)
}

type request struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params []any           `json:"params"`
}

type response struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  json.RawMessage `json:"result,omitempty"`
	Error   *rpcError       `json:"error,omitempty"`
}

type rpcError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	var raw json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&raw); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	if len(raw) > 0 && raw[0] == '[' {
		var reqs []request
		if err := json.Unmarshal(raw, &reqs); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resps := make([]response, len(reqs))
		for i, req := range reqs {
			resps[i] = s.answer(req)
		}
		s.mu.Lock()
		if s.reverse {
			slices.Reverse(resps)
		}
		s.mu.Unlock()
		_ = json.NewEncoder(w).Encode(resps)
		return
	}
	var req request
	if err := json.Unmarshal(raw, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	_ = json.NewEncoder(w).Encode(s.answer(req))
}

func (s *Server) answer(req request) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[req.Method]++
	resp := response{JSONRPC: "2.0", ID: req.ID}
	if req.Params == nil {
		req.Params = []any{}
	}
	if e, ok := s.fails[req.Method]; ok {
		resp.Error = e
		return resp
	}
	if e, ok := s.refuses[key(req.Method, req.Params)]; ok {
		resp.Error = e
		return resp
	}
	if res, ok := s.answers[key(req.Method, req.Params)]; ok {
		resp.Result = res
		return resp
	}
	if s.methods[req.Method] {
		resp.Result = json.RawMessage("null")
		return resp
	}
	resp.Error = &rpcError{Code: -32601, Message: "the method " + req.Method + " does not exist/is not available"}
	return resp
}
