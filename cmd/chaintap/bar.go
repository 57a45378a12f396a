package main

import (
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"
)

// The pieces every progress display shares: a bar redrawn in place on a
// terminal, a plain line every 10 s otherwise (logs, CI).

// onTerminal reports whether w is a terminal.
func onTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// drawEvery is how often progress is drawn.
func drawEvery(tty bool) time.Duration {
	if tty {
		return 200 * time.Millisecond
	}
	return 10 * time.Second
}

// etaAt is the time left for left units at rate per second, "-" when it
// is not known.
func etaAt(left, rate float64) string {
	if rate <= 0 || left <= 0 {
		return "-"
	}
	return (time.Duration(left/rate) * time.Second).Truncate(time.Second).String()
}

// bar draws frac (0…1) as a bar 30 characters wide.
func bar(frac float64) string {
	const width = 30
	fill := min(max(int(frac*width), 0), width)
	return "[" + strings.Repeat("#", fill) + strings.Repeat(".", width-fill) + "]"
}
