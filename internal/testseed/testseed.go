// Package testseed gives randomized tests their seed: a new one each run,
// printed so that a failure can be replayed with CHAINTAP_SEED=<seed>.
package testseed

import (
	"os"
	"strconv"
	"testing"
	"time"
)

// Seed returns CHAINTAP_SEED when set, else a fresh seed, and logs it.
func Seed(t testing.TB) uint64 {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("CHAINTAP_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("CHAINTAP_SEED=%q: %v", s, err)
		}
	}
	t.Logf("seed %d (replay with CHAINTAP_SEED=%d)", seed, seed)
	return seed
}
