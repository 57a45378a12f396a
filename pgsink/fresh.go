package pgsink

import (
	"context"
	"fmt"
	"hash/maphash"

	"github.com/jackc/pgx/v5"
)

// freshLimit bounds the keys a session remembers for the fresh-table fast
// path (some 100 MB of hashes at most); past it every batch DELETEs.
const freshLimit = 4 << 20

// freshTable is the initial-load fast path. A table that was empty when
// the session started (and takes the sink's writes only: the sink holds
// its lock) holds exactly the keys this session wrote, so a batch needs to
// DELETE only those of its keys, not all of them. Probing the primary key
// for every row cost as much as the COPY itself. A row written by someone
// else meanwhile makes the COPY fail with a unique violation: the session
// restarts and, the table no longer empty, DELETEs every key.
//
// The keys are remembered by a 64-bit hash: a collision only costs an
// unneeded DELETE, and a set of integers is far cheaper to grow and to
// scan for the garbage collector than one of strings.
type freshTable struct {
	on      bool
	seed    maphash.Seed
	written map[uint64]struct{}
}

func newFreshTable(ctx context.Context, conn *pgx.Conn, t Table) (*freshTable, error) {
	var empty bool
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT NOT EXISTS (SELECT 1 FROM %s)", t.quoted())).Scan(&empty); err != nil {
		return nil, fmt.Errorf("checking whether %s is empty: %w", t, err)
	}
	return newFresh(empty), nil
}

// newFresh is the fast path for a table that is empty (on) or not (off).
func newFresh(empty bool) *freshTable {
	return &freshTable{on: empty, seed: maphash.MakeSeed(), written: map[uint64]struct{}{}}
}

// mayHold reports whether the table may hold the key of hash h (it then needs a
// DELETE before the COPY): always once the fast path is off.
func (f *freshTable) mayHold(h uint64) bool {
	if !f.on {
		return true
	}
	_, ok := f.written[h]
	return ok
}

// hash is a record key's hash as the table remembers keys.
func (f *freshTable) hash(key []byte) uint64 { return maphash.Bytes(f.seed, key) }

// sent notes the keys a batch writes, once the decoder has handed it to
// the applier: the batches of a session are applied in order, and a
// failed one ends the session (the next starts over). Keeping this
// bookkeeping in the decoder's goroutine keeps it off the applier's path,
// where PostgreSQL would wait for it (a 100k-row batch's keys took 10–50
// ms to add there).
func (f *freshTable) sent(b *batch) {
	if !f.on {
		return
	}
	if len(f.written)+b.len() > freshLimit {
		f.on, f.written = false, nil
		return
	}
	for i, h := range b.hashes {
		if b.live(i) {
			f.written[h] = struct{}{}
		}
	}
}
