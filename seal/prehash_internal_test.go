package seal

import (
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
