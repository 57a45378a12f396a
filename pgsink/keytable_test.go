package pgsink

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// TestKeyTableAgainstOracle drives a key table over random batches of
// random keys, with a hash of 3 bits so that keys share hashes all the
// time, against plain maps: each key must get its own index in its batch,
// be found there again, and be called held whenever an earlier batch had
// it (on a fresh table; always on one that was not empty).
func TestKeyTableAgainstOracle(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 11))
	for _, empty := range []bool{true, false} {
		k := newKeyTable(empty)
		k.hash = func(key []byte) uint64 { return uint64(key[len(key)-1]) & 7 }
		written := map[string]bool{}
		for batch := range 30 {
			k.start()
			var keys [][]byte
			index := map[string]int{}
			for range rng.IntN(40) {
				key := []byte(fmt.Sprint("k", rng.IntN(25)))
				i, known, held := k.find(keys, key, len(keys))
				want, wasKnown := index[string(key)]
				if known != wasKnown || known && i != want {
					t.Fatalf("seed %d, batch %d, key %s: index %d known %v, want %d known %v", seed, batch, key, i, known, want, wasKnown)
				}
				if known {
					continue
				}
				if i != len(keys) {
					t.Fatalf("seed %d: a new key got index %d of %d", seed, i, len(keys))
				}
				if (!empty || written[string(key)]) && !held {
					t.Fatalf("seed %d, batch %d, key %s: not held, but the table may hold it", seed, batch, key)
				}
				index[string(key)] = i
				keys = append(keys, key)
			}
			for key := range index {
				written[key] = true
			}
		}
	}
}
