package pgsink

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// freshLimit bounds the keys a session remembers for the fresh-table fast
// path (about 100 MB of keys at most); past it every batch DELETEs.
const freshLimit = 1 << 20

// freshTable is the initial-load fast path. A table that was empty when
// the session started (and takes the sink's writes only: the sink holds
// its lock) holds exactly the keys this session wrote, so a batch needs to
// DELETE only those of its keys, not all of them. Probing the primary key
// for every row cost as much as the COPY itself. A row written by someone
// else meanwhile makes the COPY fail with a unique violation: the session
// restarts and, the table no longer empty, DELETEs every key.
type freshTable struct {
	on      bool
	written map[string]struct{}
}

func newFreshTable(ctx context.Context, conn *pgx.Conn, t Table) (*freshTable, error) {
	var empty bool
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT NOT EXISTS (SELECT 1 FROM %s)", t.quoted())).Scan(&empty); err != nil {
		return nil, fmt.Errorf("checking whether %s is empty: %w", t, err)
	}
	return &freshTable{on: empty, written: map[string]struct{}{}}, nil
}

// toDelete returns the key values of b to DELETE before its COPY.
func (f *freshTable) toDelete(b *batch) [][]any {
	if !f.on {
		return b.keys
	}
	var keys [][]any
	for i, k := range b.keyStrs {
		if _, ok := f.written[k]; ok {
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
			f.written[k] = struct{}{}
		}
	}
}
