package seal_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/chaintap/chaintap/internal/testseed"
	"github.com/chaintap/chaintap/seal"
)

// check verifies a tampered topic and fails the test unless verify named
// the tampering's first bad offset (and kind, when it has one).
func (tm tampering) check(t *testing.T, verify func(strict bool) ([]seal.Result, error)) {
	t.Helper()
	res, err := verify(false)
	if tm.tail {
		if err != nil || len(res) != 1 || res[0].Tail() != 1 {
			t.Fatalf("%s: got %v, %+v; want a pass with one record not checkpointed", tm.name, err, res)
		}
		_, err = verify(true)
		tm.kinds, tm.want = []seal.Kind{seal.Unchecked}, res[0].Offsets[res[0].Checkpointed]
	}
	var te *seal.TamperError
	if !errors.As(err, &te) {
		t.Fatalf("%s: verify returned %v, want a tampering at offset %d", tm.name, err, tm.want)
	}
	wantTopic := tm.m.topic
	if tm.inCheckpoints {
		wantTopic = seal.CheckpointsTopic
	}
	if te.Topic != wantTopic || te.Offset != tm.want || (tm.kinds != nil && !slices.Contains(tm.kinds, te.Kind)) {
		t.Fatalf("%s: verify said %v; want %s offset %d, kind %v", tm.name, err, wantTopic, tm.want, tm.kinds)
	}
}

// TestTamperRandomized applies thousands of random tamperings, every kind
// many times, to copies of sealed partitions and requires verify to name
// each one's first bad offset; the untouched originals must verify.
func TestTamperRandomized(t *testing.T) {
	rng := rand.New(rand.NewPCG(testseed.Seed(t), 1))
	s, keys, _ := testKeys(t, "tamper-test")
	const perAttack = 150
	var bases []*memTopic
	var sizes [][]int64
	for range 4 {
		n, every := 20+rng.IntN(300), 1+rng.IntN(60)
		m := sealMem(t, rng, s, "sealed", n, every)
		if _, err := m.verify(keys, true); err != nil {
			t.Fatalf("false alarm on an untampered topic of %d records: %v", n, err)
		}
		var sz []int64
		for i := range n {
			if (i+1)%every == 0 || i == n-1 {
				sz = append(sz, int64(i+1))
			}
		}
		bases, sizes = append(bases, m), append(sizes, sz)
	}
	total := 0
	for _, a := range attacks {
		for range perAttack {
			b := rng.IntN(len(bases))
			tm := a.fn(rng, bases[b].clone(), sizes[b])
			tm.check(t, func(strict bool) ([]seal.Result, error) { return tm.m.verify(keys, strict) })
			total++
		}
	}
	for _, m := range bases { // the copies were tampered, never the originals
		if _, err := m.verify(keys, true); err != nil {
			t.Fatalf("false alarm after the tamperings: %v", err)
		}
	}
	t.Logf("%d tamperings (%d kinds × %d), all detected at their first bad offset", total, len(attacks), perAttack)
}
