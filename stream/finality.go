package stream

import (
	"math"

	"github.com/chaintap/chaintap/sql"
)

// positionShift splits a chain position into its block (above) and its
// index in the block (below); see task.position.
const positionShift = 20

// finality says which of a stage's inputs can no longer be retracted, so
// that its aggregates drop what they keep only to step back over a
// retraction (sql.Compactor: LATEST_BY_OFFSET's older values, say).
// Without it an aggregate over the head view grows with every input; with
// it, by the inputs of the last reorg window.
type finality struct {
	// all: no input is ever retracted (a .confirmed view, a plain topic).
	all bool
	// depth > 0: positions are chain positions, and no retraction
	// reaches more than depth blocks below a block already seen (the
	// follower's reorg window).
	depth int64
}

// newFinality works out a query's finality: only for a query whose only
// input that can be retracted, if any, is the FROM chain topic, so that
// every retraction is a reorg's and every position a chain position.
func newFinality(p *sql.QueryPlan, o Options, retracting bool, join *joinSpec, chainBlock int) finality {
	switch {
	case join != nil:
		return finality{} // joined rows' positions mix both sides'
	case !retracting:
		return finality{all: true}
	case p.From.Source.Kind == sql.Table || chainBlock < 0 || o.ReorgWindow == nil:
		return finality{}
	}
	return finality{depth: o.ReorgWindow(p.From.Source.Topic)}
}

// below returns the position below which every input is final, given
// that an input at position seq was just added; ok is false when none is
// known to be. A record at block b means the chain reached b, so a reorg
// can orphan nothing at or below b-depth; the bound is kept one block
// lower than that, to be safe at the window's edge.
func (f finality) below(seq int64) (final int64, ok bool) {
	switch {
	case f.all:
		return math.MaxInt64, true
	case f.depth <= 0:
		return 0, false
	}
	b := seq>>positionShift - f.depth
	if b <= 0 {
		return 0, false
	}
	return b << positionShift, true
}

// compact drops from g's accumulators what the finality of inputs below
// final makes useless.
func (g *groupState) compact(final int64) {
	for _, acc := range g.accs {
		if c, ok := acc.(sql.Compactor); ok {
			c.Compact(final)
		}
	}
}
