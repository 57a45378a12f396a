package pgsource

import (
	"github.com/jackc/pglogrepl"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Headers of every record (docs/postgres.md): op, origin, the table, and
// for live changes the commit LSN of their PostgreSQL transaction.
const (
	HeaderOp     = "op"
	HeaderOrigin = "origin"
	HeaderTable  = "table"
	HeaderLSN    = "lsn"

	OpUpsert = "upsert"
	OpDelete = "delete"

	originSnapshot = "snapshot"
	originLive     = "live"
)

// upsert is the record of a row's current values. lsn is the commit LSN
// of its transaction (0 in the snapshot).
func (r *relation) upsert(vals []textValue, origin string, lsn pglogrepl.LSN) (*kgo.Record, error) {
	key, err := r.key(vals)
	if err != nil {
		return nil, err
	}
	v, err := r.appendValue(nil, vals)
	if err != nil {
		return nil, err
	}
	return &kgo.Record{Topic: r.topic, Key: key, Value: v, Headers: r.headers(OpUpsert, origin, lsn)}, nil
}

// tombstone is the record of a deleted row: its key and a null value.
func (r *relation) tombstone(vals []textValue, lsn pglogrepl.LSN) (*kgo.Record, error) {
	key, err := r.key(vals)
	if err != nil {
		return nil, err
	}
	return &kgo.Record{Topic: r.topic, Key: key, Headers: r.headers(OpDelete, originLive, lsn)}, nil
}

func (r *relation) headers(op, origin string, lsn pglogrepl.LSN) []kgo.RecordHeader {
	h := []kgo.RecordHeader{
		{Key: HeaderOp, Value: []byte(op)},
		{Key: HeaderOrigin, Value: []byte(origin)},
		{Key: HeaderTable, Value: []byte(r.table)},
	}
	if lsn != 0 {
		h = append(h, kgo.RecordHeader{Key: HeaderLSN, Value: []byte(lsn.String())})
	}
	return h
}
