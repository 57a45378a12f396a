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
	return &freshTable{on: empty, seed: maphash.MakeSeed(), written: map[uint64]struct{}{}}, nil
}

// toDelete returns the key values of b to DELETE before its COPY.
func (f *freshTable) toDelete(b *batch) [][]any {
	if !f.on {
		return b.keys
	}
	var keys [][]any
	for i, k := range b.keyStrs {
		if _, ok := f.written[maphash.String(f.seed, k)]; ok {
			keys = append(keys, b.keys[i])
		}
	}
	return keys
}

// committed notes the keys of a committed batch.
func (f *freshTable) committed(b *batch) {
	if !f.on {
		return
	}
	if len(f.written)+len(b.keyStrs) > freshLimit {
		f.on, f.written = false, nil
		return
	}
	for i, k := range b.keyStrs {
		if b.rows[i] != nil {
			f.written[maphash.String(f.seed, k)] = struct{}{}
		}
	}
}
