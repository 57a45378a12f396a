package pgsink

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/chaintap/chaintap/internal/pgname"
	"github.com/chaintap/chaintap/sql"
)

// PGType is the PostgreSQL type a column of our SQL type gets in a table
// the sink creates.
func PGType(t *sql.Type) string {
	switch t.Kind {
	case sql.KindBoolean:
		return "boolean"
	case sql.KindInt:
		return "integer"
	case sql.KindBigint:
		return "bigint"
	case sql.KindDouble:
		return "double precision"
	case sql.KindDecimal:
		return fmt.Sprintf("numeric(%d,%d)", t.Precision, t.Scale)
	case sql.KindBytes:
		return "bytea"
	case sql.KindTimestamp:
		return "timestamptz"
	case sql.KindDate:
		return "date"
	case sql.KindTime:
		return "time"
	case sql.KindArray, sql.KindMap, sql.KindStruct:
		return "jsonb"
	}
	return "text"
}

// ColumnName is the PostgreSQL column of a SQL column: lower case, as an
// unquoted identifier folds in PostgreSQL (our SQL folds to upper case).
func ColumnName(c sql.Column) string { return strings.ToLower(c.Name) }

// Table is schema.name.
type Table struct{ Schema, Name string }

// ParseTable splits "schema.name" (schema public when absent).
func ParseTable(s string) (Table, error) {
	schema, name, err := pgname.Split(s)
	return Table{Schema: schema, Name: name}, err
}

func (t Table) String() string { return t.Schema + "." + t.Name }
func (t Table) quoted() string { return pgx.Identifier{t.Schema, t.Name}.Sanitize() }

func quote(name string) string { return pgx.Identifier{name}.Sanitize() }

// createTableDDL is the table for the columns, keyed by the key columns.
func createTableDDL(t Table, cols []sql.Column) string {
	var defs, keys []string
	for _, c := range cols {
		defs = append(defs, quote(ColumnName(c))+" "+PGType(c.Type))
		if c.Key {
			keys = append(keys, quote(ColumnName(c)))
		}
	}
	if len(keys) > 0 {
		defs = append(defs, "PRIMARY KEY ("+strings.Join(keys, ", ")+")")
	}
	return fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (%s)", t.quoted(), strings.Join(defs, ", "))
}

// offsetsDDL is where every sink keeps the next offset of each partition,
// written in the same transaction as the rows.
const offsetsDDL = `CREATE TABLE IF NOT EXISTS chaintap_sink_offsets (
	sink text NOT NULL, topic text NOT NULL, partition integer NOT NULL, next_offset bigint NOT NULL,
	PRIMARY KEY (sink, topic, partition))`

// statements are a sink's per-batch SQL, built once the target's key
// column types are known.
type statements struct {
	copyCols     []string
	delete       string // "" for a table without key columns
	storeOffsets string
}

// newStatements: a batch DELETEs every key it touches (tombstones and
// upserts alike) with the keys as arrays, then COPYs the upserted rows
// into the table. keyTypes are the key columns' PostgreSQL types.
func newStatements(t Table, cols []sql.Column, keyTypes []string) statements {
	st := statements{storeOffsets: `INSERT INTO chaintap_sink_offsets (sink, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
		ON CONFLICT (sink, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset`}
	var keys []string
	for _, c := range cols {
		st.copyCols = append(st.copyCols, ColumnName(c))
		if c.Key {
			keys = append(keys, quote(ColumnName(c)))
		}
	}
	switch len(keys) {
	case 0:
		// A keyless stream: rows are appended.
	case 1:
		// = ANY(array) plans as an index scan over the primary key.
		st.delete = fmt.Sprintf("DELETE FROM %s WHERE %s = ANY($1::%s[])", t.quoted(), keys[0], keyTypes[0])
	default:
		var args, match []string
		for i, k := range keys {
			args = append(args, fmt.Sprintf("$%d::%s[]", i+1, keyTypes[i]))
			match = append(match, fmt.Sprintf("t.%s = k.%s", k, k))
		}
		st.delete = fmt.Sprintf("DELETE FROM %s t USING unnest(%s) AS k(%s) WHERE %s",
			t.quoted(), strings.Join(args, ", "), strings.Join(keys, ", "), strings.Join(match, " AND "))
	}
	return st
}

// keyTypes reads the PostgreSQL types of the table's key columns.
func keyTypes(ctx context.Context, conn *pgx.Conn, t Table, cols []sql.Column) ([]string, error) {
	var out []string
	for _, c := range cols {
		if !c.Key {
			continue
		}
		var typ string
		err := conn.QueryRow(ctx, `SELECT format_type(atttypid, atttypmod) FROM pg_attribute
			WHERE attrelid = $1::regclass AND attname = $2 AND NOT attisdropped`, t.quoted(), ColumnName(c)).Scan(&typ)
		if err != nil {
			return nil, fmt.Errorf("table %s: key column %s: %w", t, ColumnName(c), err)
		}
		out = append(out, typ)
	}
	return out, nil
}

// prepareTables creates the offsets table and the target (when missing).
func prepareTables(ctx context.Context, conn *pgx.Conn, t Table, cols []sql.Column, create bool) error {
	if _, err := conn.Exec(ctx, offsetsDDL); err != nil {
		return fmt.Errorf("creating chaintap_sink_offsets: %w", err)
	}
	if create {
		if _, err := conn.Exec(ctx, createTableDDL(t, cols)); err != nil {
			return fmt.Errorf("creating table %s: %w", t, err)
		}
	}
	return nil
}
