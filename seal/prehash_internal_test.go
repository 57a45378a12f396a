package seal

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestPrehashIsContentDigest: a digest begun by Prehash and finished over
// the headers is ContentDigest, for null, empty and long keys and values
// and headers with long names.
func TestPrehashIsContentDigest(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	s := &Publishing{content: newContentHash()}
	field := func() []byte {
		switch rng.IntN(4) {
		case 0:
			return nil
		case 1:
			return []byte{}
		}
		b := make([]byte, rng.IntN(300))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return b
	}
	for i := range 2000 {
		r := &kgo.Record{Key: field(), Value: field()}
		for h := range rng.IntN(4) {
			r.Headers = append(r.Headers, kgo.RecordHeader{Key: fmt.Sprintf("h%d-%0*d", h, rng.IntN(120), 0), Value: field()})
		}
		got, err := s.content.resume(s.Prehash(nil, r.Key, r.Value), r.Headers)
		if err != nil {
			t.Fatal(err)
		}
		if want := ContentDigest(r); got != want {
			t.Fatalf("record %d: prehashed digest %s, ContentDigest %s", i, got, want)
		}
	}
}

// TestContentDigestAsDocumented holds ContentDigest to docs/seal.md's
// definition, written here as plainly as it reads there: SHA-256 of the
// tag, then key, value, the number of other headers and each header's
// name and value, every field a presence byte, a uvarint length and the
// bytes. Small and large fields both (the hasher gathers small ones).
func TestContentDigestAsDocumented(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	field := func(b []byte) []byte {
		if b == nil {
			return []byte{0}
		}
		return append(binary.AppendUvarint([]byte{1}, uint64(len(b))), b...)
	}
	bytesOf := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return b
	}
	for i := range 500 {
		r := &kgo.Record{Key: bytesOf(rng.IntN(300)), Value: bytesOf(rng.IntN(2000))}
		if i%5 == 0 {
			r.Value = nil
		}
		for h := range rng.IntN(6) {
			r.Headers = append(r.Headers, kgo.RecordHeader{Key: fmt.Sprintf("h%d%s", h, bytesOf(rng.IntN(300))), Value: bytesOf(rng.IntN(400))})
		}
		want := []byte("chaintap-seal-content-v1\x00")
		want = append(want, field(r.Key)...)
		want = append(want, field(r.Value)...)
		want = binary.AppendUvarint(want, uint64(len(r.Headers)))
		for _, h := range r.Headers {
			want = append(append(want, field([]byte(h.Key))...), field(h.Value)...)
		}
		if got := ContentDigest(r); got != Digest(sha256.Sum256(want)) {
			t.Fatalf("record %d: ContentDigest differs from the documented encoding", i)
		}
	}
}
