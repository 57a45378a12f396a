package pgsource

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pglogrepl"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/twmb/franz-go/pkg/kgo"
)

// streamer is the state of one replication stream: what Kafka holds
// (committed), the complete PostgreSQL transactions waiting for the next
// Kafka transaction (pending), and the one being received (txn).
type streamer struct {
	s    *Source
	repl *pgconn.PgConn
	prod *producer
	// byName: the configured tables; byID: pgoutput's relation ids.
	byName map[string]*relation
	byID   map[uint32]*relation

	committed  pglogrepl.LSN // in Kafka and confirmed to PostgreSQL
	serverEnd  pglogrepl.LSN // the newest WAL end the server reported
	nextStatus time.Time

	txn      []*kgo.Record
	txnLSN   pglogrepl.LSN // the commit LSN of the transaction received
	skipping bool          // the transaction is at or below committed

	pending      []*kgo.Record
	pendingEnd   pglogrepl.LSN
	pendingSince time.Time
	pendingTime  time.Time // commit time of the newest pending transaction
	pendingRows  map[[2]string]int
}

// stream starts replication at pos and publishes until an error.
func (s *Source) stream(ctx context.Context, repl *pgconn.PgConn, prod *producer, rels map[string]*relation, pos position) error {
	err := pglogrepl.StartReplication(ctx, repl, s.SlotName(), pos.LSN, pglogrepl.StartReplicationOptions{
		PluginArgs: []string{"proto_version '1'", fmt.Sprintf("publication_names '%s'", s.SlotName())},
	})
	if err != nil {
		return fmt.Errorf("starting replication from slot %s at %s: %w", s.SlotName(), pos.LSN, err)
	}
	st := &streamer{s: s, repl: repl, prod: prod, byName: rels, byID: map[uint32]*relation{},
		committed: pos.LSN, pendingRows: map[[2]string]int{}}
	s.log.Info("pgsource: streaming", "source", s.cfg.Name, "from", pos.LSN)
	return st.run(ctx)
}

func (st *streamer) run(ctx context.Context) error {
	st.nextStatus = time.Now() // confirm the starting position at once
	for {
		if err := st.maybeFlush(ctx, false); err != nil {
			return err
		}
		if !time.Now().Before(st.nextStatus) {
			if err := st.sendStatus(ctx); err != nil {
				return err
			}
		}
		msg, err := st.receive(ctx)
		if err != nil {
			return err
		}
		if msg == nil {
			continue // a deadline: time to flush or send a status
		}
		if err := st.handle(ctx, msg); err != nil {
			return err
		}
	}
}

// receive waits for the next message until the next flush or status is
// due; it returns nil, nil at that deadline.
func (st *streamer) receive(ctx context.Context) (*pgproto3.CopyData, error) {
	deadline := st.nextStatus
	if st.pendingEnd > st.committed {
		if d := st.pendingSince.Add(st.s.cfg.FlushInterval); d.Before(deadline) {
			deadline = d
		}
	}
	rctx, cancel := context.WithDeadline(ctx, deadline)
	raw, err := st.repl.ReceiveMessage(rctx)
	cancel()
	if err != nil {
		if pgconn.Timeout(err) && ctx.Err() == nil {
			return nil, nil
		}
		return nil, fmt.Errorf("receiving from replication slot %s: %w", st.s.SlotName(), err)
	}
	switch m := raw.(type) {
	case *pgproto3.CopyData:
		return m, nil
	case *pgproto3.ErrorResponse:
		return nil, fmt.Errorf("replication slot %s: %w", st.s.SlotName(), pgconn.ErrorResponseToPgError(m))
	}
	return nil, nil
}

func (st *streamer) handle(ctx context.Context, msg *pgproto3.CopyData) error {
	if len(msg.Data) == 0 {
		return nil
	}
	switch msg.Data[0] {
	case pglogrepl.PrimaryKeepaliveMessageByteID:
		ka, err := pglogrepl.ParsePrimaryKeepaliveMessage(msg.Data[1:])
		if err != nil {
			return fmt.Errorf("parsing a keepalive: %w", err)
		}
		st.noteServerEnd(ka.ServerWALEnd)
		if ka.ReplyRequested {
			st.nextStatus = time.Time{}
		}
	case pglogrepl.XLogDataByteID:
		x, err := pglogrepl.ParseXLogData(msg.Data[1:])
		if err != nil {
			return fmt.Errorf("parsing WAL data: %w", err)
		}
		st.noteServerEnd(x.ServerWALEnd)
		return st.logical(ctx, x.WALData)
	}
	return nil
}

func (st *streamer) noteServerEnd(end pglogrepl.LSN) {
	if end > st.serverEnd {
		st.serverEnd = end
	}
	if st.serverEnd > st.committed {
		st.s.metrics.lagBytes.Set(float64(st.serverEnd - st.committed))
	} else {
		st.s.metrics.lagBytes.Set(0)
	}
}

// sendStatus confirms the committed LSN: only what Kafka holds, so the
// slot keeps every change a crash could still need.
func (st *streamer) sendStatus(ctx context.Context) error {
	err := pglogrepl.SendStandbyStatusUpdate(ctx, st.repl, pglogrepl.StandbyStatusUpdate{WALWritePosition: st.committed})
	if err != nil {
		return fmt.Errorf("sending the standby status to slot %s: %w", st.s.SlotName(), err)
	}
	st.nextStatus = time.Now().Add(st.s.cfg.StatusInterval)
	return nil
}
