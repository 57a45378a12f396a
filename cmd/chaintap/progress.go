package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/chaintap/chaintap/follow"
)

// newProgress returns a follow.Progress sink: a redrawn bar with blocks/s
// and ETA on a terminal, a plain line every 10 s otherwise (logs, CI).
func newProgress(w io.Writer, chain string, now func() time.Time) func(follow.Progress) {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	p := &progress{w: w, chain: chain, tty: tty, now: now, started: now()}
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
	every := 10 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	if behind > 0 && t.Sub(p.lastDraw) < every {
		return
	}
	if behind <= 0 && !p.drawn {
		return // live from the start: nothing to report
	}
	p.lastDraw = t
	done := pr.Head - p.first
	rate := float64(done) / max(t.Sub(p.started).Seconds(), 1e-3)
	eta := "-"
	if rate > 0 && behind > 0 {
		eta = (time.Duration(float64(behind)/rate) * time.Second).Truncate(time.Second).String()
	}
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
	const width = 30
	fill := int(frac * width)
	fmt.Fprintf(p.w, "\r%s [%s%s] %d/%d %5.1f%% %.0f blocks/s ETA %s ", p.chain,
		strings.Repeat("#", fill), strings.Repeat(".", width-fill), pr.Head, pr.Target, frac*100, rate, eta)
	p.drawn = behind > 0
	if !p.drawn {
		fmt.Fprintln(p.w, "— caught up, following live")
	}
}
