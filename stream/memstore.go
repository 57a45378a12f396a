package stream

import (
	"bytes"
	"sort"
)

// MemStore is a Store in memory: for tests, for the oracle, and for
// transient (push) queries whose state need not survive. Not safe for
// concurrent use.
type MemStore struct {
	m map[string][]byte
}

// NewMemStore returns an empty store.
func NewMemStore() *MemStore { return &MemStore{m: map[string][]byte{}} }

// Get implements Store.
func (s *MemStore) Get(key []byte) ([]byte, bool, error) {
	v, ok := s.m[string(key)]
	return v, ok, nil
}

// Set implements Store.
func (s *MemStore) Set(key, value []byte) error {
	s.m[string(key)] = append([]byte(nil), value...)
	return nil
}

// Delete implements Store.
func (s *MemStore) Delete(key []byte) error {
	delete(s.m, string(key))
	return nil
}

// Range implements Store. It sorts the keys in range on every call: fine
// for tests and small transient state.
func (s *MemStore) Range(start, end []byte, fn func(key, value []byte) error) error {
	var keys []string
	for k := range s.m {
		if bytes.Compare([]byte(k), start) >= 0 && (end == nil || bytes.Compare([]byte(k), end) < 0) {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := fn([]byte(k), s.m[k]); err != nil {
			return err
		}
	}
	return nil
}

// Len is the number of keys held.
func (s *MemStore) Len() int { return len(s.m) }
