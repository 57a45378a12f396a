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
// the rows to COPY (upserts) and every key touched (to DELETE first).
type batch struct {
	rows    [][]any        // index → the row's values; nil for a tombstone
	keys    [][]any        // index → the key values
	keyStrs []string       // index → the encoded record key
	byKey   map[string]int // encoded key → index
	next    map[int32]int64
	deletes int
}

// newBatch sizes the batch for n records: growing the key map showed in
// the profile.
func newBatch(n int) *batch {
	return &batch{byKey: make(map[string]int, n), next: map[int32]int64{},
		rows: make([][]any, 0, n), keys: make([][]any, 0, n), keyStrs: make([]string, 0, n)}
}

// decoder turns records into COPY rows for the sink's columns.
type decoder struct {
	src  *sql.Source
	cols []sql.Column
	dec  *sql.RowDecoder
	keys []int // indexes of the key columns
}

func newDecoder(src *sql.Source) *decoder {
	d := &decoder{src: src, cols: src.Schema.Columns, dec: sql.NewRowDecoder(src.Schema)}
	for i, c := range d.cols {
		if c.Key {
			d.keys = append(d.keys, i)
		}
	}
	return d
}

// add applies r to the batch: a tombstone (null value, or op=retract)
// deletes its key, anything else upserts it; a later record of a key
// replaces an earlier one.
func (d *decoder) add(b *batch, r *kgo.Record) error {
	b.next[r.Partition] = r.Offset + 1
	row, deleted, err := d.row(r)
	if err != nil {
		return &RecordError{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Err: err}
	}
	if len(d.keys) == 0 {
		if !deleted {
			b.rows = append(b.rows, row) // a keyless stream: appended
		}
		return nil
	}
	i, ok := b.byKey[string(r.Key)]
	if !ok {
		i = len(b.rows)
		ks := string(r.Key)
		b.byKey[ks] = i
		k := make([]any, len(d.keys))
		for j, ci := range d.keys {
			k[j] = row[ci]
		}
		b.keys = append(b.keys, k)
		b.keyStrs = append(b.keyStrs, ks)
		b.rows = append(b.rows, nil)
		b.deletes++ // as a tombstone until set below
	}
	if b.rows[i] == nil {
		b.deletes--
	}
	if deleted {
		row = nil
		b.deletes++
	}
	b.rows[i] = row
	return nil
}

// row decodes r into the SQL values of the columns (key columns from the
// record key; for a tombstone only those).
func (d *decoder) row(r *kgo.Record) ([]any, bool, error) {
	deleted := r.Value == nil
	for _, h := range r.Headers {
		if h.Key == "op" && string(h.Value) == "retract" {
			deleted = true
		}
	}
	var vals sql.Row
	if !deleted {
		var err error
		if vals, err = d.dec.Decode(r.Value); err != nil {
			return nil, false, err
		}
		deleted = vals == nil // the JSON literal null
	}
	if vals == nil {
		vals = make(sql.Row, len(d.cols))
	}
	if len(d.keys) > 0 {
		if r.Key == nil {
			return nil, false, fmt.Errorf("no key, but the columns have a key")
		}
		kv, err := sql.DecodeKey(d.src.KeyFormat, d.src.KeyColumns(), r.Key)
		if err != nil {
			return nil, false, err
		}
		for i, ci := range d.keys {
			vals[ci] = kv[i]
		}
	}
	out := []any(vals[:len(d.cols)]) // a sql.Row is a []any: no copy
	if deleted {
		for i, c := range d.cols {
			if !c.Key {
				out[i] = nil
			}
		}
	}
	return out, deleted, nil
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
	if keys := s.fresh.toDelete(b); s.st.delete != "" && len(keys) > 0 {
		args, err := s.keyArrays(keys)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, s.st.delete, args...); err != nil {
			return fmt.Errorf("deleting the batch's %d keys from %s: %w", len(keys), s.table, err)
		}
	}
	deleted := time.Now()
	n, err := s.copyRows(ctx, tx, b.rows)
	if err != nil {
		return fmt.Errorf("copying %d rows into %s: %w", len(b.rows)-b.deletes, s.table, err)
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
	s.fresh.committed(b)
	s.metrics.batches.Observe(time.Since(start).Seconds())
	s.metrics.rows.WithLabelValues("upsert").Add(float64(n))
	s.metrics.rows.WithLabelValues("delete").Add(float64(b.deletes))
	s.log.Debug("pgsink: batch applied", "sink", s.cfg.Name, "rows", n, "deletes", b.deletes,
		"delete", deleted.Sub(start), "copy", copied.Sub(deleted), "commit", time.Since(copied))
	return nil
}

// copyRows COPYs the upserts: in binary straight from the SQL values when
// the table's types are ours, else through pgx's encoders.
func (s *Sink) copyRows(ctx context.Context, tx pgx.Tx, rows [][]any) (int64, error) {
	if s.binary != nil {
		return s.binary.copy(ctx, tx, rows)
	}
	return tx.CopyFrom(ctx, pgx.Identifier{s.table.Schema, s.table.Name}, s.st.copyCols,
		&upserts{rows: rows, i: -1, cols: s.cfg.Source.Schema.Columns})
}

// keyArrays turns the keys into one array argument per key column.
func (s *Sink) keyArrays(keys [][]any) ([]any, error) {
	var keyCols []sql.Column
	for _, c := range s.cfg.Source.Schema.Columns {
		if c.Key {
			keyCols = append(keyCols, c)
		}
	}
	cols := make([]any, len(keyCols))
	for j, c := range keyCols {
		col := make([]any, len(keys))
		for i, k := range keys {
			v, err := pgValue(c.Type, k[j])
			if err != nil {
				return nil, fmt.Errorf("key column %s: %w", c.Name, err)
			}
			col[i] = v
		}
		cols[j] = col
	}
	return cols, nil
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
