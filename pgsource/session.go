package pgsource

import (
	"context"
	"fmt"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// session is one connected run: Kafka producer, position, slot, then the
// snapshot when one is due, then streaming until an error or ctx is done.
// Everything it knows comes from Kafka and PostgreSQL at its start, so a
// failed session is simply started again.
func (s *Source) session(ctx context.Context) error {
	prod, err := s.newProducer(ctx)
	if err != nil {
		return err
	}
	defer prod.close()
	pos, found, err := readPosition(ctx, s.cfg.Kafka, s.cfg.Name)
	if err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, s.cfg.DSN)
	if err != nil {
		return fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	defer conn.Close(context.Background())
	rels, err := s.prepare(ctx, conn)
	if err != nil {
		return err
	}
	repl, err := connectReplication(ctx, s.cfg.DSN)
	if err != nil {
		return err
	}
	defer repl.Close(context.Background())
	snapshot, err := s.needSnapshot(ctx, conn, pos, found)
	if err != nil {
		return err
	}
	if snapshot {
		if pos, err = s.snapshot(ctx, conn, repl, prod, rels); err != nil {
			return err
		}
	}
	return s.stream(ctx, repl, prod, rels, pos)
}

// prepare creates the publication when missing and describes the tables.
func (s *Source) prepare(ctx context.Context, conn *pgx.Conn) (map[string]*relation, error) {
	if err := ensurePublication(ctx, conn, s.SlotName(), s.cfg.Tables); err != nil {
		return nil, err
	}
	rels := map[string]*relation{}
	for _, t := range s.cfg.Tables {
		r, err := describe(ctx, conn, t)
		if err != nil {
			return nil, err
		}
		rels[t.Qualified()] = r
	}
	return rels, nil
}

func connectReplication(ctx context.Context, dsn string) (*pgconn.PgConn, error) {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parsing the PostgreSQL DSN: %w", err)
	}
	cfg.RuntimeParams["replication"] = "database"
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("opening a replication connection to PostgreSQL: %w", err)
	}
	return conn, nil
}

// needSnapshot decides from the position and the slot whether a snapshot
// is due, dropping the slot of an unfinished one. It never lets a gap
// pass: a published source without its slot, or with a slot ahead of
// its position, is an error.
func (s *Source) needSnapshot(ctx context.Context, conn *pgx.Conn, pos position, found bool) (bool, error) {
	slot, err := lookupSlot(ctx, conn, s.SlotName())
	if err != nil {
		return false, err
	}
	done := found && pos.SnapshotDone
	switch {
	case !done && slot.exists:
		// A crash during the snapshot: its Kafka transaction was never
		// committed, and its exported snapshot died with its connection.
		s.log.Info("pgsource: dropping the slot of an unfinished snapshot", "slot", s.SlotName())
		return true, dropSlot(ctx, conn, s.SlotName())
	case !done:
		return true, nil
	case !slot.exists && s.cfg.Resnapshot:
		s.log.Warn("pgsource: replication slot missing; publishing a new snapshot (--resnapshot)", "slot", s.SlotName(), "published_lsn", pos.LSN)
		return true, nil
	case !slot.exists:
		return false, &SlotMissingError{Slot: s.SlotName(), LSN: pos.LSN.String()}
	}
	if slot.confirmedFlush != "" {
		flushed, err := pglogrepl.ParseLSN(slot.confirmedFlush)
		if err == nil && flushed > pos.LSN {
			return false, &GapError{Slot: s.SlotName(), Published: pos.LSN.String(), SlotFlushed: slot.confirmedFlush}
		}
	}
	return false, nil
}
