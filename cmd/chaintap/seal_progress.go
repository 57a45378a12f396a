package main

import (
	"fmt"
	"io"
	"time"
)

// newCountProgress returns a progress sink for reading a topic: a redrawn
// bar on a terminal, a plain line every 10 s otherwise. Topics read within
// two seconds draw nothing: the bar is for large ones.
func newCountProgress(w io.Writer, label string, now func() time.Time) func(done, total int64) {
	p := &countProgress{w: w, label: label, tty: onTerminal(w), now: now, started: now()}
	return p.update
}

type countProgress struct {
	w        io.Writer
	label    string
	tty      bool
	now      func() time.Time
	started  time.Time
	lastDraw time.Time
	drawn    bool
}

func (p *countProgress) update(done, total int64) {
	t := p.now()
	finished := done >= total
	every := drawEvery(p.tty)
	switch {
	case finished && !p.drawn:
		return
	case !finished && (t.Sub(p.started) < 2*time.Second || t.Sub(p.lastDraw) < every):
		return
	}
	p.lastDraw, p.drawn = t, true
	rate := float64(done) / max(t.Sub(p.started).Seconds(), 1e-3)
	eta := etaAt(float64(total-done), rate)
	if !p.tty {
		fmt.Fprintf(p.w, "%s: %d of %d records, %.0f records/s, ETA %s\n", p.label, done, total, rate, eta)
		return
	}
	frac := 1.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	fmt.Fprintf(p.w, "\r%s %s %d/%d %5.1f%% %.0f records/s ETA %s ", p.label, bar(frac), done, total, frac*100, rate, eta)
	if finished {
		fmt.Fprintln(p.w)
	}
}
