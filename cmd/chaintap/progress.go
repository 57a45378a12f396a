package main

import (
	"fmt"
	"io"
	"time"

	"github.com/chaintap/chaintap/follow"
)

// newProgress returns a follow.Progress sink: a redrawn bar with blocks/s
// and ETA on a terminal, a plain line every 10 s otherwise (logs, CI).
func newProgress(w io.Writer, chain string, now func() time.Time) func(follow.Progress) {
	p := &progress{w: w, chain: chain, tty: onTerminal(w), now: now, started: now()}
	return p.update
}

type progress struct {
	w        io.Writer
	chain    string
	tty      bool
	now      func() time.Time
	started  time.Time
	first    uint64
	haveBase bool
	lastDraw time.Time
	drawn    bool
}

func (p *progress) update(pr follow.Progress) {
	t := p.now()
	if !p.haveBase {
		p.first, p.haveBase = pr.Head-uint64(pr.Applied), true
	}
	behind := int64(pr.Target) - int64(pr.Head)
	if behind > 0 && t.Sub(p.lastDraw) < drawEvery(p.tty) {
		return
	}
	if behind <= 0 && !p.drawn {
		return // live from the start: nothing to report
	}
	p.lastDraw = t
	done := pr.Head - p.first
	rate := float64(done) / max(t.Sub(p.started).Seconds(), 1e-3)
	eta := etaAt(float64(behind), rate)
	if !p.tty {
		fmt.Fprintf(p.w, "%s: block %d of %d, %.0f blocks/s, ETA %s\n", p.chain, pr.Head, pr.Target, rate, eta)
		p.drawn = behind > 0
		return
	}
	total := pr.Target - p.first
	frac := 1.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	fmt.Fprintf(p.w, "\r%s %s %d/%d %5.1f%% %.0f blocks/s ETA %s ", p.chain, bar(frac), pr.Head, pr.Target, frac*100, rate, eta)
	p.drawn = behind > 0
	if !p.drawn {
		fmt.Fprintln(p.w, "— caught up, following live")
	}
}
