package pgsource

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/chaintap/chaintap/internal/pgname"
)

// Table names a captured table and the topic its records go to.
type Table struct {
	Schema, Name string
	Topic        string
}

// Qualified is schema.name.
func (t Table) Qualified() string { return t.Schema + "." + t.Name }

// quoted is the table's name quoted for SQL text.
func (t Table) quoted() string {
	return pgx.Identifier{t.Schema, t.Name}.Sanitize()
}

// ParseTable splits "schema.name" (schema public when absent).
func ParseTable(s string) (Table, error) {
	schema, name, err := pgname.Split(s)
	return Table{Schema: schema, Name: name}, err
}

// describe reads a table's columns and primary key from the catalog.
func describe(ctx context.Context, conn *pgx.Conn, t Table) (*relation, error) {
	rows, err := conn.Query(ctx, `
SELECT a.attname, a.atttypid, a.atttypmod, coalesce(a.attnum = ANY(i.indkey), false)
FROM pg_attribute a
LEFT JOIN pg_index i ON i.indrelid = a.attrelid AND i.indisprimary
WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`, t.quoted())
	if err != nil {
		return nil, fmt.Errorf("describing table %s: %w", t.Qualified(), err)
	}
	var cols []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.name, &c.oid, &c.typmod, &c.key); err != nil {
			return nil, fmt.Errorf("describing table %s: %w", t.Qualified(), err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("describing table %s: %w", t.Qualified(), err)
	}
	return newRelation(t.Qualified(), t.Topic, cols)
}

// ensurePublication creates the publication for the tables when it is
// missing, and checks that an existing one covers them all (a table added
// to a running source would have no snapshot: use a new source for it).
func ensurePublication(ctx context.Context, conn *pgx.Conn, pub string, tables []Table) error {
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1)`, pub).Scan(&exists); err != nil {
		return fmt.Errorf("looking up publication %s: %w", pub, err)
	}
	if !exists {
		names := make([]string, len(tables))
		for i, t := range tables {
			names[i] = t.quoted()
		}
		q := fmt.Sprintf("CREATE PUBLICATION %s FOR TABLE %s", pgx.Identifier{pub}.Sanitize(), strings.Join(names, ", "))
		if _, err := conn.Exec(ctx, q); err != nil {
			return fmt.Errorf("creating publication %s: %w", pub, err)
		}
		return nil
	}
	for _, t := range tables {
		var ok bool
		err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_publication_tables WHERE pubname = $1 AND schemaname = $2 AND tablename = $3)`,
			pub, t.Schema, t.Name).Scan(&ok)
		if err != nil {
			return fmt.Errorf("looking up publication %s: %w", pub, err)
		}
		if !ok {
			return &TableError{Table: t.Qualified(), Msg: fmt.Sprintf("is not in the existing publication %s: a source's tables are fixed when it starts; capture it with a new --name", pub)}
		}
	}
	return nil
}

// slotState is what pg_replication_slots says of the source's slot.
type slotState struct {
	exists         bool
	confirmedFlush string // "" when NULL
}

func lookupSlot(ctx context.Context, conn *pgx.Conn, slot string) (slotState, error) {
	var s slotState
	var flush *string
	err := conn.QueryRow(ctx, `SELECT confirmed_flush_lsn::text FROM pg_replication_slots WHERE slot_name = $1`, slot).Scan(&flush)
	if err == pgx.ErrNoRows {
		return s, nil
	}
	if err != nil {
		return s, fmt.Errorf("looking up replication slot %s: %w", slot, err)
	}
	s.exists = true
	if flush != nil {
		s.confirmedFlush = *flush
	}
	return s, nil
}

// dropSlot drops the slot (of an unfinished snapshot). A slot still held
// by a killed predecessor's walsender fails with 55006, retried.
func dropSlot(ctx context.Context, conn *pgx.Conn, slot string) error {
	if _, err := conn.Exec(ctx, `SELECT pg_drop_replication_slot($1)`, slot); err != nil {
		return fmt.Errorf("dropping replication slot %s of an unfinished snapshot: %w", slot, err)
	}
	return nil
}
