package seal_test

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/chaintap/chaintap/internal/testseed"
	"github.com/chaintap/chaintap/seal"
)

// TestProofsCrossCheck builds inclusion and consistency proofs for random
// records and checks them with our verifier and with transparency-dev's
// RFC 6962 implementation (which also recomputes every tree head), and
// parses every checkpoint with transparency-dev's C2SP parser.
func TestProofsCrossCheck(t *testing.T) {
	rng := rand.New(rand.NewPCG(testseed.Seed(t), 2))
	s, keys, pub := testKeys(t, "proof-test")
	v, err := note.NewVerifier(pub)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		n := 1 + rng.IntN(500)
		m := sealMem(t, rng, s, "proved", n, 1+rng.IntN(70))
		res, cps := verified(t, m, keys)
		crossCheckRoots(t, m, res, cps)
		for _, c := range cps {
			tc, _, _, err := log.ParseCheckpoint(c.Signed, seal.Origin("proved", 0), v)
			if err != nil || int64(tc.Size) != c.Size || string(tc.Hash) != string(c.Root[:]) {
				t.Fatalf("transparency-dev reads checkpoint %q as %+v, %v", c.Signed, tc, err)
			}
		}
		for range 10 {
			k := rng.IntN(n)
			p, err := seal.Prove(m.recs[k], res, cps)
			if err != nil {
				t.Fatal(err)
			}
			p = roundTrip(t, p)
			if _, err := p.Check(keys); err != nil {
				t.Fatalf("proof of record %d of %d: %v", k, n, err)
			}
			crossCheckProof(t, p, int64(k), cps)
		}
	}
}

func verified(t *testing.T, m *memTopic, keys note.Verifiers) (seal.Result, []seal.Checkpoint) {
	t.Helper()
	res, err := m.verify(keys, true)
	if err != nil {
		t.Fatal(err)
	}
	cps, err := seal.OpenCheckpoints(m.topic, m.cps, keys)
	if err != nil {
		t.Fatal(err)
	}
	return res[0], cps[0]
}

func roundTrip(t *testing.T, p *seal.Proof) *seal.Proof {
	t.Helper()
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	q, err := seal.ParseProof(b)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// crossCheckRoots recomputes every checkpoint's root with transparency-dev's
// compact ranges over the records' link digests.
func crossCheckRoots(t *testing.T, m *memTopic, res seal.Result, cps []seal.Checkpoint) {
	t.Helper()
	rf := compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	cr := rf.NewEmptyRange(0)
	next := 0
	for i, r := range m.recs {
		l, err := seal.ReadLink(r)
		if err != nil {
			t.Fatal(err)
		}
		d := l.Digest()
		leaf := rfc6962.DefaultHasher.HashLeaf(l.LinkLeaf())
		if string(leaf) != string(d[:]) {
			t.Fatalf("record %d: link digest %x, transparency-dev's leaf hash %x", i, d, leaf)
		}
		if err := cr.Append(leaf, nil); err != nil {
			t.Fatal(err)
		}
		for next < len(cps) && cps[next].Size == int64(i+1) {
			root, err := cr.GetRootHash(nil)
			if err != nil {
				t.Fatal(err)
			}
			if string(root) != string(cps[next].Root[:]) {
				t.Fatalf("checkpoint of %d records: root %x, transparency-dev computes %x", cps[next].Size, cps[next].Root, root)
			}
			next++
		}
	}
	if next != len(cps) || res.Sealed != int64(len(m.recs)) {
		t.Fatalf("checked %d of %d checkpoints, %d of %d records", next, len(cps), res.Sealed, len(m.recs))
	}
}

// crossCheckProof verifies p's proofs with transparency-dev's verifier.
func crossCheckProof(t *testing.T, p *seal.Proof, leaf int64, cps []seal.Checkpoint) {
	t.Helper()
	var at, latest seal.Checkpoint
	for _, c := range cps {
		if string(c.Signed) == p.Checkpoint {
			at = c
		}
		if string(c.Signed) == p.Latest {
			latest = c
		}
	}
	l, err := seal.ReadLink(proofRecord(p))
	if err != nil || l.Seq != leaf {
		t.Fatalf("proof of leaf %d: link %+v, %v", leaf, l, err)
	}
	h := rfc6962.DefaultHasher
	if err := proof.VerifyInclusion(h, uint64(leaf), uint64(at.Size), h.HashLeaf(l.LinkLeaf()), hashes(p.Inclusion), at.Root[:]); err != nil {
		t.Fatalf("transparency-dev rejects the inclusion proof of leaf %d in %d: %v", leaf, at.Size, err)
	}
	if p.Latest == "" {
		return
	}
	if err := proof.VerifyConsistency(h, uint64(at.Size), uint64(latest.Size), hashes(p.Consistency), at.Root[:], latest.Root[:]); err != nil {
		t.Fatalf("transparency-dev rejects the consistency proof %d → %d: %v", at.Size, latest.Size, err)
	}
}

func hashes(hs []tlog.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}

// TestProofFailsForAnyChangedByte flips every byte of a proof that carries
// meaning (the record's key, value and headers, every proof hash, every
// byte of both signed checkpoints) one at a time: each must fail.
func TestProofFailsForAnyChangedByte(t *testing.T) {
	rng := rand.New(rand.NewPCG(testseed.Seed(t), 3))
	s, keys, _ := testKeys(t, "proof-test")
	m := sealMem(t, rng, s, "proved", 300, 41)
	res, cps := verified(t, m, keys)
	p, err := seal.Prove(m.recs[17], res, cps)
	if err != nil {
		t.Fatal(err)
	}
	if p.Latest == "" || len(p.Consistency) == 0 {
		t.Fatal("want a proof with a consistency part")
	}
	flips := 0
	for _, f := range fields(p) {
		for i := range f.n {
			q := roundTrip(t, p) // a deep copy
			f.flip(q, i, byte(1+rng.IntN(255)))
			if _, err := q.Check(keys); err == nil {
				t.Fatalf("a proof with byte %d of its %s changed still verifies", i, f.name)
			}
			flips++
		}
	}
	if _, err := p.Check(keys); err != nil {
		t.Fatalf("the unchanged proof: %v", err)
	}
	t.Logf("%d single-byte changes, all rejected", flips)
	var nc *seal.NotCheckpointedError
	if _, err := seal.Prove(m.recs[len(m.recs)-1], res, cps[:len(cps)-1]); !errors.As(err, &nc) {
		t.Fatalf("proof past the last checkpoint: %v, want a NotCheckpointedError", err)
	}
}

// field is a part of a proof whose bytes all matter.
type field struct {
	name string
	n    int
	flip func(p *seal.Proof, i int, x byte)
}

func fields(p *seal.Proof) []field {
	str := func(s *string, i int, x byte) {
		b := []byte(*s)
		b[i] ^= x
		*s = string(b)
	}
	fs := []field{
		{"key", len(p.Key), func(q *seal.Proof, i int, x byte) { q.Key[i] ^= x }},
		{"value", len(p.Value), func(q *seal.Proof, i int, x byte) { q.Value[i] ^= x }},
		{"checkpoint", len(p.Checkpoint), func(q *seal.Proof, i int, x byte) { str(&q.Checkpoint, i, x) }},
		{"latest checkpoint", len(p.Latest), func(q *seal.Proof, i int, x byte) { str(&q.Latest, i, x) }},
	}
	for j, h := range p.Headers {
		fs = append(fs,
			field{"header name " + h.Key, len(h.Key), func(q *seal.Proof, i int, x byte) { str(&q.Headers[j].Key, i, x) }},
			field{"header " + h.Key, len(h.Value), func(q *seal.Proof, i int, x byte) { q.Headers[j].Value[i] ^= x }})
	}
	for j := range p.Inclusion {
		fs = append(fs, field{"inclusion proof", len(p.Inclusion[j]), func(q *seal.Proof, i int, x byte) { q.Inclusion[j][i] ^= x }})
	}
	for j := range p.Consistency {
		fs = append(fs, field{"consistency proof", len(p.Consistency[j]), func(q *seal.Proof, i int, x byte) { q.Consistency[j][i] ^= x }})
	}
	return fs
}

func proofRecord(p *seal.Proof) *kgo.Record {
	r := &kgo.Record{Key: p.Key, Value: p.Value}
	for _, h := range p.Headers {
		r.Headers = append(r.Headers, kgo.RecordHeader{Key: h.Key, Value: h.Value})
	}
	return r
}

// TestCheckpointSignatureSpelling: base64 leaves the low bits of a
// signature's last character unused; a checkpoint whose signature is
// re-spelt there (same signature bytes) is rejected, so every byte of a
// checkpoint is fixed. A changed byte passed unnoticed once in
// TestProofFailsForAnyChangedByte before the check.
func TestCheckpointSignatureSpelling(t *testing.T) {
	rng := rand.New(rand.NewPCG(testseed.Seed(t), 12))
	s, keys, _ := testKeys(t, "spelling")
	m := sealMem(t, rng, s, "spelt", 5, 5)
	msg := m.cps[0].Note
	if _, err := seal.OpenCheckpoint(msg, keys, 0); err != nil {
		t.Fatal(err)
	}
	// 68 signature bytes (key id and Ed25519): the last quantum holds 2
	// bytes in 3 characters and a '=', the third character's 2 low bits
	// unused.
	last := len(msg) - len("=\n") - 1
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	i := strings.IndexByte(alphabet, msg[last])
	respelt := slices.Clone(msg)
	respelt[last] = alphabet[i^1]
	var bad *seal.BadCheckpointError
	if _, err := seal.OpenCheckpoint(respelt, keys, 0); !errors.As(err, &bad) {
		t.Fatalf("a re-spelt signature: %v, want a BadCheckpointError", err)
	}
}
