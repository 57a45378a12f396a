package httpapi

import (
	"encoding/json"
	"slices"

	"github.com/chaintap/chaintap"
)

// ReorgMark is what the page shows of the reorg that put a block in place.
type ReorgMark struct {
	Depth        int  `json:"depth"`
	ConfirmedHit bool `json:"confirmed_hit"`
}

// ApplyReorg takes one record of the chain's reorgs topic and marks the
// heights it replaced. The reorg and its new blocks come from different
// topics, in either order: a block published before its reorg's record
// arrives is marked (and sent again) then.
func (r *RecentBlocks) ApplyReorg(value []byte) {
	var ev chaintap.Reorg
	if json.Unmarshal(value, &ev) != nil || ev.Depth <= 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	m := ReorgMark{Depth: ev.Depth, ConfirmedHit: ev.ConfirmedHit}
	orphaned := map[string]bool{}
	for _, h := range ev.Orphaned {
		orphaned[h.Hash] = true
	}
	for n := ev.FirstOrphaned(); n <= ev.CommonAncestor.Number+uint64(ev.Depth); n++ {
		r.marks[n] = m
		key := chaintap.BlockHeadKey(n)
		if b, ok := r.blocks[key]; ok && !orphaned[b.Hash] {
			b.Reorg = &m
			r.blocks[key] = b
			r.news.Send(b)
		}
	}
	r.trimMarks()
}

// trimMarks keeps the marks of as many heights as blocks are kept, the
// newest.
func (r *RecentBlocks) trimMarks() {
	if len(r.marks) <= r.size {
		return
	}
	heights := make([]uint64, 0, len(r.marks))
	for n := range r.marks {
		heights = append(heights, n)
	}
	slices.Sort(heights)
	for _, n := range heights[:len(heights)-r.size] {
		delete(r.marks, n)
	}
}
