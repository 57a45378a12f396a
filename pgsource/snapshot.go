package pgsource

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// snapshot creates the slot, exporting its snapshot, and publishes every
// row of the tables as of that snapshot, with the position {the slot's
// consistent point, snapshot done}, in ONE Kafka transaction: a crash
// anywhere in it leaves nothing visible, and the next session drops the
// slot and starts over (see needSnapshot). The replication connection
// must stay idle until the rows are read: its next command ends the
// exported snapshot.
func (s *Source) snapshot(ctx context.Context, conn *pgx.Conn, repl *pgconn.PgConn, prod *producer, rels map[string]*relation) (position, error) {
	res, err := pglogrepl.CreateReplicationSlot(ctx, repl, s.SlotName(), "pgoutput",
		pglogrepl.CreateReplicationSlotOptions{SnapshotAction: "EXPORT_SNAPSHOT"})
	if err != nil {
		return position{}, fmt.Errorf("creating replication slot %s: %w", s.SlotName(), err)
	}
	lsn, err := pglogrepl.ParseLSN(res.ConsistentPoint)
	if err != nil {
		return position{}, fmt.Errorf("slot %s's consistent point %q: %w", s.SlotName(), res.ConsistentPoint, err)
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return position{}, fmt.Errorf("beginning the snapshot transaction: %w", err)
	}
	defer tx.Rollback(context.Background()) //nolint:errcheck // read-only
	if _, err := tx.Exec(ctx, fmt.Sprintf("SET TRANSACTION SNAPSHOT '%s'", res.SnapshotName)); err != nil {
		return position{}, fmt.Errorf("importing slot %s's snapshot: %w", s.SlotName(), err)
	}
	if err := prod.begin(); err != nil {
		return position{}, err
	}
	counts := map[string]int{}
	for _, t := range s.cfg.Tables {
		n, err := s.snapshotTable(ctx, tx, prod, rels[t.Qualified()], t)
		if err != nil {
			return position{}, prod.abort(ctx, err)
		}
		counts[t.Qualified()] = n
	}
	pos := position{LSN: lsn, SnapshotDone: true}
	if err := prod.commit(ctx, pos); err != nil {
		return position{}, err
	}
	for table, n := range counts {
		s.metrics.rows.WithLabelValues(table, "upsert").Add(float64(n))
	}
	s.log.Info("pgsource: snapshot published", "source", s.cfg.Name, "lsn", lsn, "rows", counts)
	return pos, nil
}

// snapshotTable reads the table in the text format (the types' output
// functions, what pgoutput sends: so both paths write the same JSON; a
// ::text cast would not, it prints booleans as "true") and produces an
// upsert per row.
func (s *Source) snapshotTable(ctx context.Context, tx pgx.Tx, prod *producer, rel *relation, t Table) (int, error) {
	sel := make([]string, len(rel.cols))
	for i, c := range rel.cols {
		sel[i] = pgx.Identifier{c.name}.Sanitize()
	}
	rows, err := tx.Query(ctx, fmt.Sprintf("SELECT %s FROM ONLY %s", strings.Join(sel, ", "), t.quoted()),
		pgx.QueryResultFormats{pgx.TextFormatCode})
	if err != nil {
		return 0, fmt.Errorf("reading table %s for the snapshot: %w", t.Qualified(), err)
	}
	defer rows.Close()
	vals := make([]textValue, len(rel.cols))
	n := 0
	for rows.Next() {
		for i, raw := range rows.RawValues() {
			vals[i] = textValue{data: raw, null: raw == nil}
		}
		r, err := rel.upsert(vals, originSnapshot, 0)
		if err != nil {
			return 0, err
		}
		prod.produce(ctx, r)
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("reading table %s for the snapshot: %w", t.Qualified(), err)
	}
	return n, nil
}
