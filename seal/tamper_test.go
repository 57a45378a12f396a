package seal_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/seal"
)

// tampering is one attack on a sealed partition and what verify must say.
type tampering struct {
	name  string
	m     *memTopic
	want  int64       // first bad offset
	kinds []seal.Kind // any of these (nil: any kind, the offset is what counts)
	// inCheckpoints: want is an offset in the checkpoints topic.
	inCheckpoints bool
	// tail: the attack only extends the chain past the last checkpoint,
	// which anyone can do: verify must report it as not checkpointed
	// (and fail strictly) rather than as an error.
	tail bool
}

// attacks are the tamperings, each a function of a sealed topic.
var attacks = []struct {
	name string
	fn   func(rng *rand.Rand, m *memTopic, sizes []int64) tampering
}{
	{"modify value", modifyValue},
	{"modify key", modifyKey},
	{"modify header", modifyHeader},
	{"modify seal header", modifySealHeader},
	{"modify and recompute digest", modifyRecompute},
	{"delete", deleteRecord},
	{"insert unsealed", insertUnsealed},
	{"insert copy", insertCopy},
	{"insert forged seal", insertForged},
	{"reorder", reorder},
	{"truncate tail", truncateTail},
	{"forge checkpoint", forgeCheckpoint},
	{"rewrite and re-chain", rechain},
}

func at(name string, m *memTopic, off int, kinds ...seal.Kind) tampering {
	return tampering{name: name, m: m, want: int64(off), kinds: kinds}
}

func modifyValue(rng *rand.Rand, m *memTopic, _ []int64) tampering {
	k := rng.IntN(len(m.recs))
	r := m.recs[k]
	if len(r.Value) == 0 {
		r.Value = append(r.Value, 'x')
	} else {
		r.Value[rng.IntN(len(r.Value))] ^= byte(1 + rng.IntN(255))
	}
	return at(fmt.Sprintf("modify value at %d", k), m, k, seal.Modified)
}

func modifyKey(rng *rand.Rand, m *memTopic, _ []int64) tampering {
	k := rng.IntN(len(m.recs))
	r := m.recs[k]
	switch {
	case r.Key == nil:
		r.Key = []byte{} // null and empty differ
	case len(r.Key) == 0:
		r.Key = nil
	default:
		r.Key[rng.IntN(len(r.Key))] ^= byte(1 + rng.IntN(255))
	}
	return at(fmt.Sprintf("modify key at %d", k), m, k, seal.Modified)
}

func modifyHeader(rng *rand.Rand, m *memTopic, _ []int64) tampering {
	k := rng.IntN(len(m.recs))
	r := m.recs[k]
	user := slices.IndexFunc(r.Headers, func(h kgo.RecordHeader) bool { return h.Key[0] == 'h' })
	switch {
	case user >= 0 && rng.IntN(2) == 0:
		r.Headers[user].Value = append(r.Headers[user].Value, '!')
	case user >= 0 && rng.IntN(2) == 0:
		r.Headers = slices.Delete(r.Headers, user, user+1)
	default: // even a new header under the seal's prefix is covered
		r.Headers = slices.Insert(r.Headers, rng.IntN(len(r.Headers)+1), kgo.RecordHeader{Key: seal.HeaderPrefix + "note", Value: []byte("x")})
	}
	return at(fmt.Sprintf("modify header at %d", k), m, k, seal.Modified)
}

func modifySealHeader(rng *rand.Rand, m *memTopic, _ []int64) tampering {
	k := rng.IntN(len(m.recs))
	r := m.recs[k]
	i := slices.IndexFunc(r.Headers, func(h kgo.RecordHeader) bool { return h.Key == seal.HeaderSeq })
	i += rng.IntN(3) // seq, content or prev: Seal appends them in this order
	h := r.Headers[i].Value
	h[rng.IntN(len(h))] ^= 1
	return at(fmt.Sprintf("modify %s at %d", r.Headers[i].Key, k), m, k)
}

func modifyRecompute(rng *rand.Rand, m *memTopic, _ []int64) tampering {
	k := rng.IntN(len(m.recs))
	r := m.recs[k]
	r.Value = append(r.Value, 'x')
	d := seal.ContentDigest(r)
	for i, h := range r.Headers {
		if h.Key == seal.HeaderContent {
			r.Headers[i].Value = []byte(hex.EncodeToString(d[:]))
		}
	}
	return at(fmt.Sprintf("modify and recompute the content digest at %d", k), m, k, seal.Modified)
}

func deleteRecord(rng *rand.Rand, m *memTopic, _ []int64) tampering {
	k := rng.IntN(len(m.recs))
	m.recs = slices.Delete(m.recs, k, k+1)
	if k == len(m.recs) {
		return at(fmt.Sprintf("delete the last record (%d)", k), m, k, seal.Truncated)
	}
	return at(fmt.Sprintf("delete %d", k), m, k, seal.Deleted)
}

func insertUnsealed(rng *rand.Rand, m *memTopic, _ []int64) tampering {
	k := rng.IntN(len(m.recs) + 1)
	m.recs = slices.Insert(m.recs, k, randomRecord(rng, -1))
	return at(fmt.Sprintf("insert an unsealed record at %d", k), m, k, seal.Inserted)
}

// insertCopy replays a sealed record after its original. (A copy put
// before its original reads as a reorder: same offset, other kind.)
func insertCopy(rng *rand.Rand, m *memTopic, _ []int64) tampering {
	j := rng.IntN(len(m.recs))
	k := j + 1 + rng.IntN(len(m.recs)-j)
	m.recs = slices.Insert(m.recs, k, cloneRecord(m.recs[j]))
	return at(fmt.Sprintf("insert a copy of %d at %d", j, k), m, k, seal.Inserted)
}

// insertForged puts a record with a correctly computed seal (the chain
// needs no key) where record k was, shifting k and after.
func insertForged(rng *rand.Rand, m *memTopic, _ []int64) tampering {
	k := rng.IntN(len(m.recs) + 1)
	c := seal.NewChain()
	for _, r := range m.recs[:k] {
		if err := c.Resume(r); err != nil {
			panic(err)
		}
	}
	f := randomRecord(rng, -2)
	c.Seal(f)
	m.recs = slices.Insert(m.recs, k, f)
	t := at(fmt.Sprintf("insert a forged sealed record at %d", k), m, k, seal.Inserted)
	t.tail = k == len(m.recs)-1
	return t
}

func reorder(rng *rand.Rand, m *memTopic, _ []int64) tampering {
	i := rng.IntN(len(m.recs) - 1)
	j := i + 1 + rng.IntN(len(m.recs)-i-1)
	if rng.IntN(2) == 0 {
		m.recs[i], m.recs[j] = m.recs[j], m.recs[i]
		return at(fmt.Sprintf("swap %d and %d", i, j), m, i, seal.Reordered)
	}
	r := m.recs[i] // move i to after j
	m.recs = slices.Insert(slices.Delete(m.recs, i, i+1), j, r)
	return at(fmt.Sprintf("move %d to %d", i, j), m, i, seal.Reordered)
}

func truncateTail(rng *rand.Rand, m *memTopic, _ []int64) tampering {
	n := 1 + rng.IntN(len(m.recs)-1)
	m.recs = m.recs[:len(m.recs)-n]
	return at(fmt.Sprintf("truncate the last %d", n), m, len(m.recs), seal.Truncated)
}

func forgeCheckpoint(rng *rand.Rand, m *memTopic, _ []int64) tampering {
	i := rng.IntN(len(m.cps))
	n := m.cps[i].Note
	body := bytes.Index(n, []byte("\n\n")) // the signature lines stay as they are
	p := rng.IntN(body)
	for n[p] == '\n' {
		p = rng.IntN(body)
	}
	n[p] ^= 1
	t := at(fmt.Sprintf("alter byte %d of checkpoint %d", p, i), m, int(m.cps[i].Offset), seal.BadSignature)
	t.inCheckpoints = true
	return t
}

// rechain changes record k and recomputes the seal of every record from k
// on, as anyone can: only the signed checkpoints tell. verify names the
// first record after the last checkpoint that still matches, or k itself
// when k is the last record of a checkpoint.
func rechain(rng *rand.Rand, m *memTopic, sizes []int64) tampering {
	k := rng.IntN(len(m.recs))
	c := seal.NewChain()
	for _, r := range m.recs[:k] {
		if err := c.Resume(r); err != nil {
			panic(err)
		}
	}
	m.recs[k].Value = append(m.recs[k].Value, 'x')
	for _, r := range m.recs[k:] {
		c.Seal(r)
	}
	good := int64(0)
	for _, s := range sizes {
		if s > int64(k) {
			if s == int64(k)+1 {
				return at(fmt.Sprintf("rewrite %d, the last of a checkpoint, and re-chain", k), m, k, seal.Modified)
			}
			break
		}
		good = s
	}
	return at(fmt.Sprintf("rewrite %d and re-chain after it", k), m, int(good), seal.Rewritten)
}
