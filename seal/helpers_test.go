package seal_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/mod/sumdb/note"

	"github.com/chaintap/chaintap/seal"
)

// testKeys returns a signer and the verifiers that trust it.
func testKeys(t testing.TB, name string) (note.Signer, note.Verifiers, string) {
	t.Helper()
	priv, pub, err := seal.GenerateKey(name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(priv)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(pub)
	if err != nil {
		t.Fatal(err)
	}
	return s, note.VerifierList(v), pub
}

// randomRecord is a record with a random key (sometimes null), value
// (sometimes null or empty) and zero to three headers.
func randomRecord(rng *rand.Rand, i int) *kgo.Record {
	r := &kgo.Record{Topic: "t"}
	if rng.IntN(8) != 0 {
		r.Key = fmt.Appendf(nil, "key-%d", rng.IntN(50))
	}
	switch rng.IntN(10) {
	case 0:
	case 1:
		r.Value = []byte{}
	default:
		r.Value = make([]byte, 1+rng.IntN(64))
		for j := range r.Value {
			r.Value[j] = byte(rng.IntN(256))
		}
	}
	for h := range rng.IntN(4) {
		r.Headers = append(r.Headers, kgo.RecordHeader{Key: fmt.Sprintf("h%d", h), Value: fmt.Appendf(nil, "v%d-%d", i, rng.IntN(1000))})
	}
	return r
}

// memTopic is one sealed partition held in memory, as a topic rewritten
// by someone would be read back: offsets are positions.
type memTopic struct {
	topic string
	recs  []*kgo.Record
	cps   []seal.RawCheckpoint
}

// sealMem seals n random records, checkpointing every `every` records and
// after the last.
func sealMem(t testing.TB, rng *rand.Rand, s note.Signer, topic string, n, every int) *memTopic {
	t.Helper()
	m := &memTopic{topic: topic}
	c := seal.NewChain()
	for i := range n {
		r := randomRecord(rng, i)
		r.Topic, r.Offset = topic, int64(i)
		c.Seal(r)
		m.recs = append(m.recs, r)
		if (i+1)%every == 0 || i == n-1 {
			m.cps = append(m.cps, seal.RawCheckpoint{Offset: int64(len(m.cps)), Note: checkpoint(t, c, s, topic, 0, int64(i))})
		}
	}
	return m
}

func checkpoint(t testing.TB, c *seal.Chain, s note.Signer, topic string, p int32, last int64) []byte {
	t.Helper()
	root, err := c.Root()
	if err != nil {
		t.Fatal(err)
	}
	msg, err := seal.Checkpoint{Topic: topic, Partition: p, Size: c.Size(), Root: root, LastOffset: last, Head: c.Head()}.Sign(s)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// verify verifies m as if read from Kafka.
func (m *memTopic) verify(keys note.Verifiers, strict bool) ([]seal.Result, error) {
	p := &seal.Partition{Topic: m.topic, Strict: strict}
	for i, r := range m.recs {
		r.Offset = int64(i)
		p.Add(r)
	}
	return seal.Topic(m.topic, map[int32]*seal.Partition{0: p}, m.cps, keys)
}

func cloneRecord(r *kgo.Record) *kgo.Record {
	c := *r
	c.Key = cloneBytes(r.Key)
	c.Value = cloneBytes(r.Value)
	c.Headers = make([]kgo.RecordHeader, len(r.Headers))
	for i, h := range r.Headers {
		c.Headers[i] = kgo.RecordHeader{Key: h.Key, Value: cloneBytes(h.Value)}
	}
	return &c
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

func (m *memTopic) clone() *memTopic {
	c := &memTopic{topic: m.topic}
	for _, r := range m.recs {
		c.recs = append(c.recs, cloneRecord(r))
	}
	for _, cp := range m.cps {
		c.cps = append(c.cps, seal.RawCheckpoint{Offset: cp.Offset, Note: cloneBytes(cp.Note)})
	}
	return c
}
