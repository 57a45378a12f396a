package httpapi

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/internal/fanout"
)

// BlockSummary is what the page shows of a block.
type BlockSummary struct {
	// Chain is set for the blocks of a chain beside the demo's (OtherChain).
	Chain            string `json:"chain,omitempty"`
	Number           uint64 `json:"number"`
	Hash             string `json:"hash"`
	Timestamp        uint64 `json:"timestamp"`
	TransactionCount uint64 `json:"transaction_count"`
	GasUsed          uint64 `json:"gas_used"`
	Retracted        bool   `json:"retracted,omitempty"`
	// Reorg marks a block that replaced an orphaned one.
	Reorg *ReorgMark `json:"reorg,omitempty"`
}

// RecentBlocks keeps the newest blocks of a head-view blocks topic,
// retractions applied (a reorg replaces a block in place).
type RecentBlocks struct {
	chain  string // "" for the page's own chain
	mu     sync.Mutex
	size   int
	blocks map[string]BlockSummary // by key (number)
	marks  map[uint64]ReorgMark    // heights a reorg replaced
	news   fanout.Hub[BlockSummary]
}

// NewRecentBlocks keeps the newest size blocks.
func NewRecentBlocks(size int) *RecentBlocks { return NewChainBlocks("", size) }

// NewChainBlocks keeps the newest size blocks of another chain than the
// page's own, each summary naming it. Any family's block records do: an
// EVM and a Bitcoin block share the fields shown (number, hash,
// timestamp, transaction_count); gas_used is 0 where there is no gas.
func NewChainBlocks(chain string, size int) *RecentBlocks {
	return &RecentBlocks{chain: chain, size: size, blocks: map[string]BlockSummary{}, marks: map[uint64]ReorgMark{}}
}

// Apply takes one record of the blocks topic (value nil: a retraction).
func (r *RecentBlocks) Apply(key string, value []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s BlockSummary
	if value == nil {
		old, ok := r.blocks[key]
		if !ok {
			return
		}
		delete(r.blocks, key)
		s, s.Retracted = old, true
	} else {
		var b chaintap.EVMBlock
		if json.Unmarshal(value, &b) != nil {
			return
		}
		s = BlockSummary{Chain: r.chain, Number: b.Number, Hash: b.Hash, Timestamp: b.Timestamp, TransactionCount: b.TransactionCount, GasUsed: b.GasUsed}
		if m, ok := r.marks[b.Number]; ok {
			s.Reorg = &m
		}
		r.blocks[key] = s
		r.trim()
	}
	r.news.Send(s)
}

func (r *RecentBlocks) trim() {
	for len(r.blocks) > r.size {
		var oldest string
		var n uint64
		for k, b := range r.blocks {
			if oldest == "" || b.Number < n {
				oldest, n = k, b.Number
			}
		}
		delete(r.blocks, oldest)
	}
	r.trimMarks()
}

// Latest returns the kept blocks, newest first.
func (r *RecentBlocks) Latest() []BlockSummary {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]BlockSummary, 0, len(r.blocks))
	for _, b := range r.blocks {
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b BlockSummary) int { return cmp.Compare(b.Number, a.Number) })
	return out
}

// Subscribe returns a channel of new and retracted blocks and a function
// that ends the subscription.
func (r *RecentBlocks) Subscribe() (<-chan BlockSummary, func()) { return r.news.Subscribe(64) }

func (s *Server) listBlocks(w http.ResponseWriter, r *http.Request) {
	limit, err := limitOf(r)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, first(s.cfg.Blocks.Latest(), limit))
}

// listChains lists the chains shown beside the demo's.
func (s *Server) listChains(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, append([]OtherChain{}, s.cfg.OtherChains...))
}

// listChainBlocks answers the latest blocks of one of the other chains.
func (s *Server) listChainBlocks(w http.ResponseWriter, r *http.Request) {
	limit, err := limitOf(r)
	if err != nil {
		writeError(w, err)
		return
	}
	name := r.PathValue("chain")
	for _, c := range s.cfg.OtherChains {
		if c.Name == name {
			writeJSON(w, http.StatusOK, first(c.Blocks.Latest(), limit))
			return
		}
	}
	writeError(w, fmt.Errorf("no chain %q beside %s: %w", name, s.cfg.Sources.Chain, chaintap.ErrNotFound))
}
