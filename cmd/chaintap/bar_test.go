package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/chaintap/chaintap/follow"
)

// TestProgressLines: away from a terminal, both progress displays write a
// plain line at most every 10 s with the rate and the time left, and
// nothing for work done within the first moments.
func TestProgressLines(t *testing.T) {
	now := time.Unix(0, 0)
	clock := func() time.Time { return now }
	var out bytes.Buffer
	count := newCountProgress(&out, "verify t", clock)
	count(10, 100) // at 0 s: too early
	now = now.Add(10 * time.Second)
	count(50, 100)
	now = now.Add(time.Second)
	count(60, 100) // within 10 s of the last line
	if got := out.String(); got != "verify t: 50 of 100 records, 5 records/s, ETA 10s\n" {
		t.Fatalf("records: %q", got)
	}
	out.Reset()
	blocks := newProgress(&out, "l1", clock)
	blocks(follow.Progress{Head: 100, Target: 300, Applied: 0})
	now = now.Add(20 * time.Second)
	blocks(follow.Progress{Head: 200, Target: 300, Applied: 100})
	if !strings.Contains(out.String(), "l1: block 200 of 300, 5 blocks/s, ETA 20s") {
		t.Fatalf("blocks: %q", out.String())
	}
	if bar(0.5) != "[###############...............]" || bar(2) != "["+strings.Repeat("#", 30)+"]" || etaAt(0, 5) != "-" {
		t.Fatalf("bar %q %q, eta %q", bar(0.5), bar(2), etaAt(0, 5))
	}
}
