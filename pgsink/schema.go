package pgsink

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

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
	parts := strings.Split(s, ".")
	switch {
	case len(parts) == 1 && parts[0] != "":
		return Table{Schema: "public", Name: parts[0]}, nil
	case len(parts) == 2 && parts[0] != "" && parts[1] != "":
		return Table{Schema: parts[0], Name: parts[1]}, nil
	}
	return Table{}, fmt.Errorf("table %q: want name or schema.name", s)
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

// batchTable is the session's temporary table a batch is COPYed into:
// the target's columns and types, without constraints, plus the
// tombstone flag; emptied at each commit.
const batchTable = "chaintap_sink_batch"

func tempTableDDL(t Table, cols []sql.Column) string {
	var sel []string
	for _, c := range cols {
		sel = append(sel, quote(ColumnName(c)))
	}
	return fmt.Sprintf("CREATE TEMP TABLE IF NOT EXISTS %s ON COMMIT DELETE ROWS AS SELECT %s, false AS _chaintap_deleted FROM %s WITH NO DATA",
		batchTable, strings.Join(sel, ", "), t.quoted())
}

// statements are a sink's per-batch SQL, built once.
type statements struct {
	copyCols     []string
	delete       string // "" for a table without key columns
	insert       string
	storeOffsets string
}

func newStatements(t Table, cols []sql.Column) statements {
	var names, keys, sets, match []string
	for _, c := range cols {
		n := quote(ColumnName(c))
		names = append(names, n)
		if c.Key {
			keys = append(keys, n)
			match = append(match, fmt.Sprintf("t.%s = b.%s", n, n))
		} else {
			sets = append(sets, fmt.Sprintf("%s = EXCLUDED.%s", n, n))
		}
	}
	st := statements{storeOffsets: `INSERT INTO chaintap_sink_offsets (sink, topic, partition, next_offset) VALUES ($1, $2, $3, $4)
		ON CONFLICT (sink, topic, partition) DO UPDATE SET next_offset = EXCLUDED.next_offset`}
	for _, c := range cols {
		st.copyCols = append(st.copyCols, ColumnName(c))
	}
	st.copyCols = append(st.copyCols, "_chaintap_deleted")
	list := strings.Join(names, ", ")
	st.insert = fmt.Sprintf("INSERT INTO %s (%s) SELECT %s FROM %s WHERE NOT _chaintap_deleted", t.quoted(), list, list, batchTable)
	if len(keys) == 0 {
		return st // a keyless stream: rows are appended
	}
	switch {
	case len(sets) == 0:
		st.insert += fmt.Sprintf(" ON CONFLICT (%s) DO NOTHING", strings.Join(keys, ", "))
	default:
		st.insert += fmt.Sprintf(" ON CONFLICT (%s) DO UPDATE SET %s", strings.Join(keys, ", "), strings.Join(sets, ", "))
	}
	st.delete = fmt.Sprintf("DELETE FROM %s t USING %s b WHERE b._chaintap_deleted AND %s", t.quoted(), batchTable, strings.Join(match, " AND "))
	return st
}

// prepareTables creates the offsets table, the target (when missing) and
// the session's temporary batch table.
func prepareTables(ctx context.Context, conn *pgx.Conn, t Table, cols []sql.Column, create bool) error {
	if _, err := conn.Exec(ctx, offsetsDDL); err != nil {
		return fmt.Errorf("creating chaintap_sink_offsets: %w", err)
	}
	if create {
		if _, err := conn.Exec(ctx, createTableDDL(t, cols)); err != nil {
			return fmt.Errorf("creating table %s: %w", t, err)
		}
	}
	if _, err := conn.Exec(ctx, tempTableDDL(t, cols)); err != nil {
		return fmt.Errorf("creating the batch table for %s: %w", t, err)
	}
	return nil
}
