package pgsink

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/sql"
)

// batch is the records of one poll reduced to the last write per key.
type batch struct {
	rows    [][]any         // COPY rows: the columns, then the tombstone flag
	byKey   map[string]int  // encoded key → index in rows
	next    map[int32]int64 // partition → next offset to consume
	deletes int
}

func newBatch() *batch {
	return &batch{byKey: map[string]int{}, next: map[int32]int64{}}
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
			b.rows = append(b.rows, row)
		}
		return nil // a keyless stream: appended, nothing to delete
	}
	if i, ok := b.byKey[string(r.Key)]; ok {
		if b.rows[i][len(row)-1] == true {
			b.deletes--
		}
		b.rows[i] = row
	} else {
		b.byKey[string(r.Key)] = len(b.rows)
		b.rows = append(b.rows, row)
	}
	if deleted {
		b.deletes++
	}
	return nil
}

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
	out := make([]any, len(d.cols)+1)
	for i, c := range d.cols {
		if deleted && !c.Key {
			continue
		}
		v, err := pgValue(c.Type, vals[i])
		if err != nil {
			return nil, false, fmt.Errorf("column %s: %w", c.Name, err)
		}
		out[i] = v
	}
	out[len(d.cols)] = deleted
	return out, deleted, nil
}

// apply writes the batch and the next offsets in one transaction.
func (s *Sink) apply(ctx context.Context, conn *pgx.Conn, b *batch) error {
	start := time.Now()
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fmt.Errorf("beginning a batch: %w", err)
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck // after Commit, a no-op
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{batchTable}, s.st.copyCols, pgx.CopyFromRows(b.rows)); err != nil {
		return fmt.Errorf("copying a batch of %d rows into %s: %w", len(b.rows), s.table, err)
	}
	q := &pgx.Batch{}
	if b.deletes > 0 && s.st.delete != "" {
		q.Queue(s.st.delete)
	}
	if len(b.rows) > b.deletes {
		q.Queue(s.st.insert)
	}
	for p, off := range b.next {
		q.Queue(s.st.storeOffsets, s.cfg.Name, s.cfg.Topic, p, off)
	}
	if err := tx.SendBatch(ctx, q).Close(); err != nil {
		return fmt.Errorf("applying a batch to %s: %w", s.table, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("committing a batch to %s: %w", s.table, err)
	}
	s.metrics.batches.Observe(time.Since(start).Seconds())
	s.metrics.rows.WithLabelValues("upsert").Add(float64(len(b.rows) - b.deletes))
	s.metrics.rows.WithLabelValues("delete").Add(float64(b.deletes))
	return nil
}
