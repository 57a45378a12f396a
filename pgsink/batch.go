package pgsink

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/sql"
)

// batch is the records of one poll reduced to the last write per key:
// for each key (each record of a keyless stream) its record key and its
// row, or nothing for a tombstone. Rows are either COPY tuples already
// encoded (the binary path: tuples) or decoded values for pgx (rows).
type batch struct {
	keys    [][]byte // index → the record key
	rows    [][]any  // pgx path: index → the row's values; nil for a tombstone
	tuples  tuples   // binary path
	binary  bool
	next    map[int32]int64
	deletes int
	records int   // records added, tombstones and replaced ones included
	held    []int // indexes of the keys the table may hold: DELETEd first
}

// size is the records added, 0 for no batch.
func (b *batch) size() int {
	if b == nil {
		return 0
	}
	return b.records
}

// newBatch sizes the batch for n records: growing the key map showed in
// the profile.
func newBatch(n int, binary bool) *batch {
	b := &batch{next: map[int32]int64{}, keys: make([][]byte, 0, n), binary: binary}
	if binary {
		b.tuples = newTuples(n)
	} else {
		b.rows = make([][]any, 0, n)
	}
	return b
}

// reset empties an applied batch for reuse, keeping its buffers' room.
func (b *batch) reset() {
	clear(b.keys) // no references into old fetches
	clear(b.rows)
	b.keys, b.rows, b.held = b.keys[:0], b.rows[:0], b.held[:0]
	b.tuples.reset()
	clear(b.next)
	b.deletes, b.records = 0, 0
}

// len is the number of keys (rows and tombstones) in the batch.
func (b *batch) len() int { return len(b.keys) }

// live reports whether index i is a row, not a tombstone.
func (b *batch) live(i int) bool {
	if b.binary {
		return b.tuples.live(i)
	}
	return b.rows[i] != nil
}

// decoder turns records into a batch's rows for the sink's columns.
type decoder struct {
	src   *sql.Source
	known *keyTable // the session's keys
	cols  []sql.Column
	dec   *sql.RowDecoder
	enc   *tupleEncoder // binary path; nil: rows of values for pgx
	keys  []int         // indexes of the key columns
}

func newDecoder(src *sql.Source, known *keyTable, binary bool) *decoder {
	d := &decoder{src: src, known: known, cols: src.Schema.Columns, dec: sql.NewRowDecoder(src.Schema)}
	for i, c := range d.cols {
		if c.Key {
			d.keys = append(d.keys, i)
		}
	}
	if binary {
		d.enc = newTupleEncoder(d)
	}
	return d
}

// add applies r to the batch: a tombstone (null value, or op=retract)
// deletes its key, anything else upserts it; a later record of a key
// replaces an earlier one. A keyless stream's records are appended, its
// tombstones dropped.
func (d *decoder) add(b *batch, r *kgo.Record) error {
	b.next[r.Partition] = r.Offset + 1
	b.records++
	deleted := isTombstone(r)
	if len(d.keys) == 0 && deleted {
		return nil
	}
	if len(d.keys) > 0 && r.Key == nil {
		return &RecordError{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Err: fmt.Errorf("no key, but the columns have a key")}
	}
	if len(d.keys) > 0 && deleted { // its key is decoded for the DELETE later: check it now
		if _, err := d.keyValues(r.Key); err != nil {
			return &RecordError{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Err: err}
		}
	}
	i, known, held := b.len(), false, false
	if len(d.keys) > 0 {
		i, known, held = d.known.find(b.keys, r.Key, i)
	}
	if !known {
		if held {
			b.held = append(b.held, i)
		}
		b.keys = append(b.keys, r.Key)
		if b.binary {
			b.tuples.grow()
		} else {
			b.rows = append(b.rows, nil)
		}
		b.deletes++ // as a tombstone until set below
	}
	wasLive := b.live(i)
	var err error
	if b.binary {
		deleted, err = d.enc.put(&b.tuples, i, r, deleted)
	} else {
		b.rows[i], deleted, err = d.row(r, deleted)
	}
	if err != nil {
		return &RecordError{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Err: err}
	}
	switch {
	case wasLive && deleted:
		b.deletes++
	case !wasLive && !deleted:
		b.deletes--
	}
	return nil
}

// isTombstone: a null value, or an op=retract header (the SQL engine's
// retraction of a row).
func isTombstone(r *kgo.Record) bool {
	if r.Value == nil {
		return true
	}
	for _, h := range r.Headers {
		if h.Key == "op" && string(h.Value) == "retract" {
			return true
		}
	}
	return false
}

// row decodes r into the SQL values of the columns (key columns from the
// record key), or nil for a tombstone (deleted, or the JSON literal null).
func (d *decoder) row(r *kgo.Record, deleted bool) ([]any, bool, error) {
	if deleted {
		return nil, true, nil
	}
	vals, err := d.dec.Decode(r.Value)
	if err != nil {
		return nil, false, err
	}
	if vals == nil { // the JSON literal null
		return nil, true, nil
	}
	if len(d.keys) > 0 {
		kv, err := d.keyValues(r.Key)
		if err != nil {
			return nil, false, err
		}
		for i, ci := range d.keys {
			vals[ci] = kv[i]
		}
	}
	return []any(vals[:len(d.cols)]), false, nil // a sql.Row is a []any: no copy
}

// keyValues decodes a record key into the key columns' values.
func (d *decoder) keyValues(key []byte) (sql.Row, error) { return keyValues(d.src, key) }

func keyValues(src *sql.Source, key []byte) (sql.Row, error) {
	return sql.DecodeKey(src.KeyFormat, src.KeyColumns(), key)
}

// apply writes the batch and the next offsets in one transaction: DELETE
// every key the batch touches, COPY the upserted rows in (COPY's
// multi-row inserts are what makes a sink near raw COPY speed; an
// INSERT … ON CONFLICT inserts row by row), store the offsets.
func (s *Sink) apply(ctx context.Context, conn *pgx.Conn, b *batch) error {
	start := time.Now()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("beginning a batch: %w", err)
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck // after Commit, a no-op
	if err := s.deleteKeys(ctx, tx, b); err != nil {
		return err
	}
	deleted := time.Now()
	n, err := s.copyRows(ctx, tx, b)
	if err != nil {
		return fmt.Errorf("copying %d rows into %s: %w", b.len()-b.deletes, s.table, err)
	}
	copied := time.Now()
	q := &pgx.Batch{}
	for p, off := range b.next {
		q.Queue(s.st.storeOffsets, s.cfg.Name, s.cfg.Topic, p, off)
	}
	if err := tx.SendBatch(ctx, q).Close(); err != nil {
		return fmt.Errorf("storing the offsets of sink %s: %w", s.cfg.Name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("committing a batch to %s: %w", s.table, err)
	}
	s.metrics.batches.Observe(time.Since(start).Seconds())
	s.metrics.rows.WithLabelValues("upsert").Add(float64(n))
	s.metrics.rows.WithLabelValues("delete").Add(float64(b.deletes))
	s.log.Debug("pgsink: batch applied", "sink", s.cfg.Name, "rows", n, "deletes", b.deletes,
		"delete", deleted.Sub(start), "copy", copied.Sub(deleted), "commit", time.Since(copied))
	return nil
}

// deleteKeys DELETEs the batch's keys that the table may hold (keyed
// tables only).
func (s *Sink) deleteKeys(ctx context.Context, tx pgx.Tx, b *batch) error {
	if s.st.delete == "" {
		return nil
	}
	keys := b.held
	if len(keys) == 0 {
		return nil
	}
	args, err := s.keyArrays(b, keys)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, s.st.delete, args...); err != nil {
		return fmt.Errorf("deleting the batch's %d keys from %s: %w", len(keys), s.table, err)
	}
	return nil
}

// copyRows COPYs the upserts: the encoded tuples on the binary path, else
// the values through pgx's encoders.
func (s *Sink) copyRows(ctx context.Context, tx pgx.Tx, b *batch) (int64, error) {
	if b.binary {
		return s.binary.copy(ctx, tx, &b.tuples)
	}
	return tx.CopyFrom(ctx, pgx.Identifier{s.table.Schema, s.table.Name}, s.st.copyCols,
		&upserts{rows: b.rows, i: -1, cols: s.cfg.Source.Schema.Columns})
}

// keyArrays turns the keys at the batch's indexes idx into one array
// argument per key column, decoding them from the record keys.
func (s *Sink) keyArrays(b *batch, idx []int) ([]any, error) {
	keyCols := s.cfg.Source.KeyColumns()
	cols := make([][]any, len(keyCols))
	for j := range cols {
		cols[j] = make([]any, len(idx))
	}
	for n, i := range idx {
		kv, err := keyValues(s.cfg.Source, b.keys[i])
		if err != nil {
			return nil, fmt.Errorf("decoding key %q: %w", b.keys[i], err)
		}
		for j, c := range keyCols {
			v, err := pgValue(c.Type, kv[j])
			if err != nil {
				return nil, fmt.Errorf("key column %s: %w", c.Name, err)
			}
			cols[j][n] = v
		}
	}
	args := make([]any, len(cols))
	for j, c := range cols {
		args[j] = c
	}
	return args, nil
}

// upserts is a pgx.CopyFromSource over the batch's non-nil rows,
// converting SQL values for pgx.
type upserts struct {
	rows [][]any
	i    int
	cols []sql.Column
	out  []any
	err  error
}

func (u *upserts) Next() bool {
	for u.i++; u.i < len(u.rows); u.i++ {
		if u.rows[u.i] != nil {
			return true
		}
	}
	return false
}

func (u *upserts) Values() ([]any, error) {
	if u.out == nil {
		u.out = make([]any, len(u.cols))
	}
	for i, c := range u.cols {
		v, err := pgValue(c.Type, u.rows[u.i][i])
		if err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
		u.out[i] = v
	}
	return u.out, nil
}

func (u *upserts) Err() error { return u.err }
