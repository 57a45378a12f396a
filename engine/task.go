package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/stream"
)

// task is input partition p of a query on this instance: its processor
// and its store. Only the query's loop goroutine touches it.
type task struct {
	partition int32
	proc      stream.Processor
	st        *store
	headers   []stream.Header // reused for each record's headers
}

// openTask opens partition p's store and brings it up to date with the
// changelog before anything is processed.
//
// It runs when the first records of p arrive after p was assigned, not in
// the assignment callback: by then the consumer has fetched p's committed
// offset, which the broker gives out only once no transaction with
// offsets for p is pending (KIP-447's require_stable), so every
// transaction that changed p's state has committed or aborted, and the
// changelog holds all of p's committed state.
func (q *queryRunner) openTask(ctx context.Context, p int32) (*task, error) {
	dir := filepath.Join(q.dataDir, strconv.Itoa(int(p)))
	st, err := openStore(dir, q.log, q.cache)
	if err != nil {
		return nil, fmt.Errorf("query %s partition %d: %w", q.q.ID, p, err)
	}
	if err := q.restore(ctx, st, p); err != nil {
		_ = st.close()
		return nil, fmt.Errorf("query %s partition %d: %w", q.q.ID, p, err)
	}
	return &task{partition: p, proc: q.q.NewProcessor(p), st: st}, nil
}

// restore applies the changelog of partition p to st from the offset st
// covers to the end, so that a fresh store is rebuilt from the whole
// changelog and a kept one replays only what it missed: writes of other
// instances that owned p meanwhile, and of transactions that committed
// before a crash let this one apply them.
func (q *queryRunner) restore(ctx context.Context, st *store, p int32) error {
	began := time.Now()
	cp, err := describeChangelog(ctx, q.adm, q.changelog, p)
	if err != nil {
		return err
	}
	if reason := staleReason(st.meta, cp); reason != "" {
		q.log.Warn("rebuilding a state store from its changelog", "partition", p, "reason", reason)
		if err := st.wipe(); err != nil {
			return err
		}
	}
	from := max(st.meta.next, cp.start)
	var n int
	err = readChangelog(ctx, q.cl, cp, from, func(rs []*kgo.Record, next int64) error {
		n += len(rs)
		return st.applyRestored(rs, storeMeta{topicID: cp.id, next: next})
	})
	if err != nil {
		return err
	}
	st.meta.topicID = cp.id // a store restored from nothing learns it here
	q.m.restoreRecords.WithLabelValues(q.q.ID).Add(float64(n))
	q.m.restoreSeconds.WithLabelValues(q.q.ID).Observe(time.Since(began).Seconds())
	q.log.Debug("restored a state store", "partition", p, "from", from, "records", n, "took", time.Since(began))
	return nil
}

// staleReason says why a store's state cannot be completed from the
// changelog cp, or "" when it can.
//
// A store holding writes past the committed changelog cannot arise from
// this engine: writes reach Pebble only after the transaction carrying
// them committed, or from the changelog itself, so Pebble's offset never
// passes the changelog's end. It can arise from outside: a changelog
// deleted and recreated (a new topic ID, offsets from 0 again), a broker
// that lost committed records (an unclean leader election), or a data
// directory copied from another cluster. Its state may then hold writes
// the changelog does not, so it is rebuilt rather than trusted. A store
// behind the changelog's start missed records that are gone (deleted, or
// compacted away on a broker that moves the start offset when it
// compacts, as kfake does), so it is rebuilt too.
func staleReason(m storeMeta, cp changelogPartition) string {
	switch {
	case m.topicID == [16]byte{}:
		return "" // never held state: restore it all
	case m.topicID != cp.id:
		return "the changelog topic was recreated since the store was written"
	case m.next > cp.end:
		return fmt.Sprintf("the store covers the changelog up to offset %d, past its end %d", m.next, cp.end)
	case m.next < cp.start:
		return fmt.Sprintf("the store covers the changelog up to offset %d, before its start %d", m.next, cp.start)
	}
	return ""
}

// process runs one input record through the task's processor.
func (t *task) process(ctx context.Context, r *kgo.Record, emit func(stream.Output)) error {
	in := stream.Record{
		Topic:     r.Topic,
		Partition: r.Partition,
		Offset:    r.Offset,
		Key:       r.Key,
		Value:     r.Value,
		Timestamp: r.Timestamp.UnixMilli(),
	}
	if len(r.Headers) > 0 {
		t.headers = t.headers[:0]
		for _, h := range r.Headers {
			t.headers = append(t.headers, stream.Header{Key: h.Key, Value: h.Value})
		}
		in.Headers = t.headers
	}
	return t.proc.Process(ctx, in, t.st, emit)
}

func (t *task) close() error { return t.st.close() }
