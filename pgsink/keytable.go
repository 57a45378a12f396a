package pgsink

import (
	"bytes"
	"context"
	"fmt"
	"hash/maphash"

	"github.com/jackc/pgx/v5"
)

// freshLimit bounds the keys a session remembers for the fresh-table fast
// path (some 100 MB of hashes at most); past it every batch DELETEs.
const freshLimit = 4 << 20

// keyTable finds each record key's place in the batch being built (a later
// record of a key replaces the earlier one) and says whether the table
// may hold the key already, so that the batch DELETEs it before its COPY.
//
// The fresh-table fast path: a table that was empty when the session
// started (and takes the sink's writes only: the sink holds its lock)
// holds exactly the keys this session wrote, so a batch needs to DELETE
// only those of its keys that earlier batches wrote, not all of them.
// Probing the primary key for every row cost as much as the COPY itself.
// A row written by someone else meanwhile makes the COPY fail with a
// unique violation: the session restarts and, the table no longer empty,
// DELETEs every key. Every batch a session builds is applied, in order,
// or the session ends; so a key counts as written once a batch has it.
//
// Keys are remembered by a 64-bit hash in one map for both questions, one
// lookup per record: the hash's entry names the last batch that had the
// key and its index there. Separate maps (the batch's keys, the keys
// written) cost three lookups and a string per key, which showed as a
// quarter of the sink's decoding. A hash shared by two keys of one batch
// sends the later key to a map by its bytes (it costs time, never a
// wrong row); one shared with a key of an earlier batch costs only an
// unneeded DELETE.
type keyTable struct {
	hash     func(key []byte) uint64 // maphash; a test's weak one
	fresh    bool                    // the table was empty at the start; seen remembers every key since
	seen     map[uint64]uint64       // key hash → batch number << 32 | index in that batch
	batch    uint64                  // the number of the batch being built
	collided map[string]int          // this batch's keys whose hash an earlier key of the batch has
}

// tableEmpty tells whether the sink starts on an empty table.
func tableEmpty(ctx context.Context, conn *pgx.Conn, t Table) (bool, error) {
	var empty bool
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT NOT EXISTS (SELECT 1 FROM %s)", t.quoted())).Scan(&empty); err != nil {
		return false, fmt.Errorf("checking whether %s is empty: %w", t, err)
	}
	return empty, nil
}

func newKeyTable(empty bool) *keyTable {
	seed := maphash.MakeSeed()
	return &keyTable{hash: func(key []byte) uint64 { return maphash.Bytes(seed, key) }, fresh: empty, seen: map[uint64]uint64{}}
}

// start begins the next batch. Off the fast path, seen only serves the
// batch, so it starts empty; past freshLimit the fast path ends.
func (k *keyTable) start() {
	k.batch++
	k.collided = nil
	switch {
	case k.fresh && len(k.seen) > freshLimit:
		k.fresh, k.seen = false, map[uint64]uint64{}
	case !k.fresh:
		clear(k.seen)
	}
}

// find returns key's index in the batch (keys are the batch's, by index),
// or adds it as index next (known false); held reports whether a new key
// may be in the table already.
func (k *keyTable) find(keys [][]byte, key []byte, next int) (i int, known, held bool) {
	h := k.hash(key)
	v, ok := k.seen[h]
	switch {
	case !ok:
		k.seen[h] = k.batch<<32 | uint64(next)
		return next, false, !k.fresh
	case v>>32 != k.batch: // an earlier batch had a key of this hash
		k.seen[h] = k.batch<<32 | uint64(next)
		return next, false, true
	}
	if j := int(uint32(v)); bytes.Equal(keys[j], key) {
		return j, true, false
	}
	if j, ok := k.collided[string(key)]; ok {
		return j, true, false
	}
	if k.collided == nil {
		k.collided = map[string]int{}
	}
	k.collided[string(key)] = next
	// Whether an earlier batch had this key, the hash's entry no longer
	// says: DELETE it to be safe.
	return next, false, true
}
