package seal

import (
	"github.com/twmb/franz-go/pkg/kgo"
)

// Prehash implements kafka.Prehasher: it appends to dst the state of a
// content digest over key and value (SHA-256's saved state, about 110
// bytes), for SealPrehashed. The publisher calls it in the follower's
// fetch workers, where a block's records are encoded ahead, so that most
// of a record's hashing (its value) is off the serial publishing path.
// Safe for concurrent use. On the rare failure it returns dst unchanged,
// and the record is then sealed by Seal.
func (s *Publishing) Prehash(dst, key, value []byte) []byte {
	c, _ := s.hashes.Get().(*contentHash)
	if c == nil {
		c = newContentHash()
	}
	defer s.hashes.Put(c)
	c.keyValue(key, value)
	out, err := c.appendState(dst)
	if err != nil {
		return dst
	}
	return out
}

// SealPrehashed implements kafka.Prehasher: Seal for a record whose key
// and value pre (from Prehash) covers.
func (s *Publishing) SealPrehashed(r *kgo.Record, pre []byte) error {
	st, err := s.part(r.Topic, r.Partition)
	if err != nil {
		return err
	}
	stripSeal(r)
	content, err := s.content.resume(pre, r.Headers)
	if err != nil {
		return err
	}
	st.chain.link(r, content)
	s.sealed(st, r)
	return nil
}
