package config

import (
	"strings"
	"testing"
)

// TestMemoryBudget: a chain's memory_budget is read with its unit, and a
// size that is not one, or too small to hold a block, is a problem named
// with its line.
func TestMemoryBudget(t *testing.T) {
	cfg, err := Parse([]byte(`
chains:
  - name: a
    url: http://127.0.0.1:8545
    memory_budget: 256MiB
  - name: b
    url: http://127.0.0.1:8546
    memory_budget: 1.5GB
  - name: c
    url: http://127.0.0.1:8547
`), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Chains[0].MemoryBudget; got != 256<<20 || got.String() != "256MiB" {
		t.Errorf("256MiB read as %d (%s)", got, got)
	}
	if got := cfg.Chains[1].MemoryBudget; got != 1_500_000_000 {
		t.Errorf("1.5GB read as %d", got)
	}
	if got := cfg.Chains[2].MemoryBudget; got != 0 {
		t.Errorf("no memory_budget read as %d, want 0 (the follower's default)", got)
	}
	_, err = Parse([]byte(`
chains:
  - name: a
    url: http://127.0.0.1:8545
    memory_budget: lots
  - name: b
    url: http://127.0.0.1:8546
    memory_budget: 64KiB
`), env(nil))
	for _, want := range []string{`line 5: "lots" is not a size`, `chains[1].memory_budget (line 8): 64KiB: want at least 1MiB`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in: %v", want, err)
		}
	}
}
