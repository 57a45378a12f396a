package pgsource

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pglogrepl"
)

// logical handles one pgoutput message.
func (st *streamer) logical(ctx context.Context, data []byte) error {
	msg, err := pglogrepl.Parse(data)
	if err != nil {
		return fmt.Errorf("parsing a pgoutput message: %w", err)
	}
	switch m := msg.(type) {
	case *pglogrepl.RelationMessage:
		return st.relation(m)
	case *pglogrepl.BeginMessage:
		// A transaction that committed below the position is in Kafka
		// already. The slot's confirmed LSN may trail the position (a
		// crash between the Kafka commit and the status update);
		// PostgreSQL skips commits below the start LSN we give it, and
		// this check keeps that promise on our side too (both are
		// tested to suffice alone: TestCrashBetweenKafkaCommitAndStatus).
		st.txn, st.txnLSN, st.skipping = st.txn[:0], m.FinalLSN, m.FinalLSN < st.committed
	case *pglogrepl.InsertMessage:
		return st.row(m.RelationID, func(r *relation) error { return st.upsert(r, m.Tuple) })
	case *pglogrepl.UpdateMessage:
		return st.row(m.RelationID, func(r *relation) error { return st.update(r, m) })
	case *pglogrepl.DeleteMessage:
		return st.row(m.RelationID, func(r *relation) error { return st.delete(r, m.OldTuple) })
	case *pglogrepl.TruncateMessage:
		if !st.skipping {
			st.s.metrics.truncates.Inc()
			st.s.log.Error("pgsource: TRUNCATE is not published (there are no keys to tombstone); the topic still holds the truncated rows",
				"source", st.s.cfg.Name, "lsn", st.txnLSN)
		}
	case *pglogrepl.CommitMessage:
		return st.commit(ctx, m)
	}
	return nil
}

// relation maps pgoutput's relation id to a configured table, checking
// that its columns are still those the source described.
func (st *streamer) relation(m *pglogrepl.RelationMessage) error {
	name := m.Namespace + "." + m.RelationName
	known, ok := st.byName[name]
	if !ok {
		return nil // not ours (a publication shared by hand)
	}
	cols := make([]column, len(m.Columns))
	for i, c := range m.Columns {
		cols[i] = column{name: c.Name, oid: c.DataType, typmod: c.TypeModifier, key: c.Flags&1 != 0}
	}
	r, err := newRelation(name, known.topic, cols)
	if err != nil {
		return err
	}
	st.byID[m.RelationID] = r
	return nil
}

func (st *streamer) row(id uint32, fn func(*relation) error) error {
	if st.skipping {
		return nil
	}
	r, ok := st.byID[id]
	if !ok {
		return nil
	}
	return fn(r)
}

func tupleValues(t *pglogrepl.TupleData) []textValue {
	vals := make([]textValue, len(t.Columns))
	for i, c := range t.Columns {
		switch c.DataType {
		case 'n':
			vals[i].null = true
		case 'u':
			vals[i].unchanged = true
		default:
			vals[i].data = c.Data
		}
	}
	return vals
}

func (st *streamer) upsert(r *relation, t *pglogrepl.TupleData) error {
	rec, err := r.upsert(tupleValues(t), originLive, st.txnLSN)
	if err != nil {
		return err
	}
	st.txn = append(st.txn, rec)
	return nil
}

// update upserts the new row; when its key changed (pgoutput then sends
// the old key) the old key is tombstoned first.
func (st *streamer) update(r *relation, m *pglogrepl.UpdateMessage) error {
	if m.OldTuple != nil {
		old, err := r.key(tupleValues(m.OldTuple))
		if err != nil {
			return err
		}
		nk, err := r.key(tupleValues(m.NewTuple))
		if err != nil {
			return err
		}
		if string(old) != string(nk) {
			if err := st.delete(r, m.OldTuple); err != nil {
				return err
			}
		}
	}
	return st.upsert(r, m.NewTuple)
}

func (st *streamer) delete(r *relation, t *pglogrepl.TupleData) error {
	if t == nil {
		return fmt.Errorf("a delete from %s without its key (replica identity NOTHING?)", r.table)
	}
	rec, err := r.tombstone(tupleValues(t), st.txnLSN)
	if err != nil {
		return err
	}
	st.txn = append(st.txn, rec)
	return nil
}

// commit moves the received transaction to the pending batch.
func (st *streamer) commit(ctx context.Context, m *pglogrepl.CommitMessage) error {
	if st.skipping {
		st.skipping = false
		return nil
	}
	if st.pendingEnd <= st.committed {
		st.pendingSince = time.Now()
	}
	for _, r := range st.txn {
		st.pendingRows[[2]string{string(r.Headers[2].Value), string(r.Headers[0].Value)}]++
	}
	st.pending = append(st.pending, st.txn...)
	st.txn = st.txn[:0]
	st.pendingEnd, st.pendingTime = m.TransactionEndLSN, m.CommitTime
	return st.maybeFlush(ctx, len(st.pending) >= st.s.cfg.MaxBatch)
}

// maybeFlush publishes the pending transactions in one Kafka transaction
// with their position when forced or when FlushInterval has passed, then
// confirms the position to PostgreSQL.
func (st *streamer) maybeFlush(ctx context.Context, force bool) error {
	if st.pendingEnd <= st.committed {
		return nil
	}
	if !force && time.Since(st.pendingSince) < st.s.cfg.FlushInterval {
		return nil
	}
	if err := st.prod.begin(); err != nil {
		return err
	}
	for _, r := range st.pending {
		st.prod.produce(ctx, r)
	}
	if err := st.prod.commit(ctx, position{LSN: st.pendingEnd, SnapshotDone: true}); err != nil {
		return err
	}
	st.committed = st.pendingEnd
	st.s.metrics.lagSecs.Set(time.Since(st.pendingTime).Seconds())
	for k, n := range st.pendingRows {
		st.s.metrics.rows.WithLabelValues(k[0], k[1]).Add(float64(n))
		delete(st.pendingRows, k)
	}
	st.pending = st.pending[:0]
	if hook := st.s.afterKafkaCommit; hook != nil {
		if err := hook(); err != nil {
			return err
		}
	}
	return st.sendStatus(ctx)
}
