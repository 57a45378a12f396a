package pgsink

import "bytes"

// keyIndex finds a batch's index for a record key by a 64-bit hash of the
// key, computed once per record and kept for the fresh table's
// bookkeeping too. A map keyed by the key's string hashed it again for
// every lookup and allocated the string for every new key (a quarter of
// the decoder's time). Keys whose hash an earlier, different key of the
// batch has go to a second map by their bytes, so a collision costs time,
// never a wrong row.
type keyIndex struct {
	byHash   map[uint64]int
	collided map[string]int
}

func newKeyIndex(n int) keyIndex { return keyIndex{byHash: make(map[uint64]int, n)} }

// find returns key's index among keys (the batch's, by index), or adds it
// as index next and reports it new.
func (x *keyIndex) find(keys [][]byte, h uint64, key []byte, next int) (int, bool) {
	i, ok := x.byHash[h]
	if !ok {
		x.byHash[h] = next
		return next, false
	}
	if bytes.Equal(keys[i], key) {
		return i, true
	}
	if j, ok := x.collided[string(key)]; ok {
		return j, true
	}
	if x.collided == nil {
		x.collided = map[string]int{}
	}
	x.collided[string(key)] = next
	return next, false
}
