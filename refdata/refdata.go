// Package refdata writes reference data (master data such as charging
// stations, without a database) into a table's compacted topic: from a
// CSV or JSON file, or one row at a time over HTTP (PUT and DELETE
// /api/ref/<table>/<key>). Rows are checked against the table's declared
// columns first; a bad row is reported with where it is and skipped, the
// others are written.
package refdata

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/sql"
)

// RowError is a row that was not written: its line in the file (or 0),
// and why.
type RowError struct {
	Line int
	Err  error
}

func (e *RowError) Error() string {
	if e.Line == 0 {
		return e.Err.Error()
	}
	return fmt.Sprintf("line %d: %v", e.Line, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// Table is a table's topic and columns, as a statement declared them.
type Table struct {
	src *sql.Source
	all *sql.Schema // every column read from the row's fields
}

// NewTable checks that src is a table with a key.
func NewTable(src *sql.Source) (*Table, error) {
	if src.Kind != sql.Table || len(src.KeyColumns()) == 0 {
		return nil, fmt.Errorf("%s: reference data goes to a TABLE with a PRIMARY KEY", src.Name)
	}
	return &Table{src: src, all: src.Schema.Unkeyed()}, nil
}

// Name is the table's name.
func (t *Table) Name() string { return t.src.Name }

// Upsert encodes a row given as a JSON object (every column a field,
// the key included) as the record that sets it.
func (t *Table) Upsert(object []byte) (*kgo.Record, error) {
	row, err := sql.DecodeJSON(t.all, object)
	if err != nil {
		return nil, err
	}
	if row == nil {
		return nil, fmt.Errorf("a row must be a JSON object, not null")
	}
	keys := t.src.Schema.KeyValues(row)
	for i, k := range keys {
		if k == nil {
			return nil, fmt.Errorf("the key column %s is missing", t.src.KeyColumns()[i].Name)
		}
	}
	key, err := sql.EncodeKey(t.src.KeyFormat, t.src.KeyColumns(), keys)
	if err != nil {
		return nil, err
	}
	return &kgo.Record{Topic: t.src.Topic, Key: key, Value: sql.EncodeJSON(t.src.Schema, row)}, nil
}

// Delete is the tombstone of the row whose key (a single key column) is
// key, given as text.
func (t *Table) Delete(key string) (*kgo.Record, error) {
	kc := t.src.KeyColumns()
	if len(kc) != 1 {
		return nil, fmt.Errorf("%s has %d key columns: delete by HTTP needs one", t.src.Name, len(kc))
	}
	field, _ := json.Marshal(map[string]string{kc[0].Name: key})
	row, err := sql.DecodeJSON(t.all, field)
	if err != nil {
		return nil, err
	}
	k, err := sql.EncodeKey(t.src.KeyFormat, kc, t.src.Schema.KeyValues(row))
	if err != nil {
		return nil, err
	}
	return &kgo.Record{Topic: t.src.Topic, Key: k}, nil
}

// produce writes records and waits for Kafka's acknowledgement.
func produce(ctx context.Context, cl *kgo.Client, recs []*kgo.Record) error {
	if len(recs) == 0 {
		return nil
	}
	return cl.ProduceSync(ctx, recs...).FirstErr()
}

// ensureTopic creates the table's topic when it does not exist, as
// ksqlDB does for a CREATE TABLE with PARTITIONS: compacted (a table), and
// never expiring by time (master data is not old because it is unchanged).
func (t *Table) ensureTopic(ctx context.Context, cl *kgo.Client) error {
	parts := int32(t.src.Partitions)
	if parts <= 0 {
		parts = 1
	}
	configs := map[string]*string{"cleanup.policy": kadm.StringPtr("compact"), "retention.ms": kadm.StringPtr("-1")}
	return kafka.CreateTopic(ctx, kadm.NewClient(cl), parts, -1, configs, t.src.Topic)
}
