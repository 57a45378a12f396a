package seal_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/seal"
)

// FuzzCheckProof: any bytes given as a proof are an error or a proof that
// checks, never a panic; a proof that checks is one Prove made.
func FuzzCheckProof(f *testing.F) {
	rng := rand.New(rand.NewPCG(9, 9))
	s, keys, _ := testKeys(f, "fuzz")
	m := sealMem(f, rng, s, "fuzzed", 40, 7)
	res, err := m.verify(keys, true)
	if err != nil {
		f.Fatal(err)
	}
	cps, err := seal.OpenCheckpoints(m.topic, m.cps, keys)
	if err != nil {
		f.Fatal(err)
	}
	valid := map[string]bool{}
	for _, k := range []int{0, 5, 6, 39} {
		p, err := seal.Prove(m.recs[k], res[0], cps[0])
		if err != nil {
			f.Fatal(err)
		}
		b, _ := json.Marshal(p)
		f.Add(b)
		valid[string(b)] = true
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := seal.ParseProof(b)
		if err != nil {
			return
		}
		if _, err := p.Check(keys); err == nil {
			// Anything that checks names a record of the sealed partition.
			l, err := seal.ReadLink(proofRecord(p))
			if err != nil || l.Seq >= 40 || seal.ContentDigest(proofRecord(p)) != seal.ContentDigest(m.recs[l.Seq]) {
				t.Fatalf("a proof of content that was never sealed checks: %s", b)
			}
		}
	})
}

// FuzzOpenCheckpoint: any bytes as a checkpoint are an error or a
// checkpoint, never a panic.
func FuzzOpenCheckpoint(f *testing.F) {
	rng := rand.New(rand.NewPCG(10, 10))
	s, keys, _ := testKeys(f, "fuzz")
	m := sealMem(f, rng, s, "fuzzed", 10, 4)
	for _, c := range m.cps {
		f.Add(c.Note)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _ = seal.OpenCheckpoint(b, keys, 0)
	})
}

// FuzzReadLink: any header values are an error or a link, never a panic.
func FuzzReadLink(f *testing.F) {
	f.Add([]byte("7"), []byte("00"), []byte("ff"))
	f.Fuzz(func(t *testing.T, seq, content, prev []byte) {
		r := &kgo.Record{Headers: []kgo.RecordHeader{{Key: seal.HeaderSeq, Value: seq}, {Key: seal.HeaderContent, Value: content}, {Key: seal.HeaderPrev, Value: prev}}}
		if l, err := seal.ReadLink(r); err == nil && l.Seq < 0 {
			t.Fatalf("negative seal number %d accepted", l.Seq)
		}
	})
}
