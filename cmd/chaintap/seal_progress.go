package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// newCountProgress returns a progress sink for reading a topic: a redrawn
// bar on a terminal, a plain line every 10 s otherwise. Topics read within
// two seconds draw nothing: the bar is for large ones.
func newCountProgress(w io.Writer, label string, now func() time.Time) func(done, total int64) {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	p := &countProgress{w: w, label: label, tty: tty, now: now, started: now()}
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
	every := 10 * time.Second
	if p.tty {
		every = 200 * time.Millisecond
	}
	switch {
	case finished && !p.drawn:
		return
	case !finished && (t.Sub(p.started) < 2*time.Second || t.Sub(p.lastDraw) < every):
		return
	}
	p.lastDraw, p.drawn = t, true
	rate := float64(done) / max(t.Sub(p.started).Seconds(), 1e-3)
	eta := "-"
	if rate > 0 && !finished {
		eta = (time.Duration(float64(total-done)/rate) * time.Second).Truncate(time.Second).String()
	}
	if !p.tty {
		fmt.Fprintf(p.w, "%s: %d of %d records, %.0f records/s, ETA %s\n", p.label, done, total, rate, eta)
		return
	}
	frac := 1.0
	if total > 0 {
		frac = float64(done) / float64(total)
	}
	const width = 30
	fill := int(frac * width)
	fmt.Fprintf(p.w, "\r%s [%s%s] %d/%d %5.1f%% %.0f records/s ETA %s ", p.label,
		strings.Repeat("#", fill), strings.Repeat(".", width-fill), done, total, frac*100, rate, eta)
	if finished {
		fmt.Fprintln(p.w)
	}
}
