package engine

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/stream"
)

// produced follows the records of one transaction: the first produce
// error, and per changelog partition the offset past the last record
// written, which becomes the store's changelog offset once the
// transaction committed. kgo calls its promise from its own goroutines.
type produced struct {
	changelog string
	mu        sync.Mutex
	err       error
	next      map[int32]int64
}

func (pr *produced) promise(r *kgo.Record, err error) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	if err != nil {
		if pr.err == nil {
			pr.err = fmt.Errorf("producing to %s: %w", r.Topic, err)
		}
		return
	}
	if r.Topic == pr.changelog && r.Offset+1 > pr.next[r.Partition] {
		pr.next[r.Partition] = r.Offset + 1
	}
}

func (pr *produced) firstErr() error {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return pr.err
}

// batch processes the records of one poll in one transaction: every
// output, every changelog record and the input offsets commit together,
// or none does. An error returned is fatal for the query; a transaction
// that aborted for a rebalance leaves the stores as of the last commit
// and the consumer at the last committed offsets (the session rewinds
// it), and the records come again.
func (q *queryRunner) batch(ctx context.Context, fs kgo.Fetches) error {
	touched, err := q.tasksFor(ctx, fs)
	if err != nil {
		return err
	}
	if err := q.sess.Begin(); err != nil {
		return fmt.Errorf("query %s: beginning a transaction: %w", q.q.ID, err)
	}
	pr := &produced{changelog: q.changelog, next: map[int32]int64{}}
	n, perr := q.processAll(ctx, fs, pr)
	if perr == nil {
		q.produceChangelogs(ctx, touched, pr)
	}
	commit := perr == nil && pr.firstErr() == nil && ctx.Err() == nil
	committed, err := q.sess.End(ctx, kgo.TransactionEndTry(commit))
	if err != nil {
		q.discard(touched)
		if errors.Is(err, kerr.ProducerFenced) || errors.Is(err, kerr.FencedInstanceID) {
			err = fmt.Errorf("%w: %w", ErrFenced, err)
		}
		return fmt.Errorf("committing query %s: %w", q.q.ID, errors.Join(err, perr))
	}
	if !committed {
		q.discard(touched)
		q.m.txns.WithLabelValues(q.q.ID, "aborted").Inc()
		if perr != nil {
			return perr
		}
		// kgo retries what can be retried; a produce error that
		// reaches us (a record too large, an output topic deleted)
		// would abort every retry of the batch alike.
		if err := pr.firstErr(); err != nil {
			return fmt.Errorf("query %s: %w", q.q.ID, err)
		}
		q.log.Debug("transaction aborted (a rebalance); its records come again", "records", n)
		return nil
	}
	q.m.txns.WithLabelValues(q.q.ID, "committed").Inc()
	q.m.records.WithLabelValues(q.q.ID).Add(float64(n))
	q.purge.committed(fs)
	if err := q.purge.purge(ctx, q.adm); err != nil {
		q.log.Warn("deleting consumed repartition records; retrying later", "err", err)
	}
	return q.apply(touched, pr)
}

// tasksFor returns the tasks of the partitions fs holds records of,
// opening (and restoring) those not open yet. It also updates the lag.
func (q *queryRunner) tasksFor(ctx context.Context, fs kgo.Fetches) ([]*task, error) {
	var ts []*task
	seen := map[int32]bool{}
	var err error
	fs.EachPartition(func(p kgo.FetchTopicPartition) {
		if len(p.Records) == 0 || err != nil {
			return
		}
		last := p.Records[len(p.Records)-1].Offset
		q.m.lag.WithLabelValues(q.q.ID, strconv.Itoa(int(p.Partition))).Set(float64(max(0, p.LastStableOffset-last-1)))
		if seen[p.Partition] {
			return
		}
		seen[p.Partition] = true
		t, ok := q.tasks[p.Partition]
		if !ok {
			if t, err = q.openTask(ctx, p.Partition); err != nil {
				return
			}
			q.tasks[p.Partition] = t
		}
		ts = append(ts, t)
	})
	return ts, err
}

// processAll runs every record of fs through its task, producing the
// outputs as they come. It returns the records processed and the first
// processor error, as a *ProcessError.
func (q *queryRunner) processAll(ctx context.Context, fs kgo.Fetches, pr *produced) (int, error) {
	var n int
	var perr error
	// One emit function for every record (not a closure per record):
	// in is the record being processed, emitErr its first output error.
	var in *kgo.Record
	var emitErr error
	emit := func(o stream.Output) {
		if emitErr == nil {
			emitErr = q.produceOutput(ctx, in, o, pr)
		}
	}
	fs.EachPartition(func(p kgo.FetchTopicPartition) {
		t := q.tasks[p.Partition]
		for _, r := range p.Records {
			if perr != nil {
				return
			}
			in, emitErr = r, nil
			err := t.process(ctx, r, emit)
			if err == nil {
				err = emitErr
			}
			if err != nil {
				perr = &ProcessError{Query: q.q.ID, Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Err: err}
				return
			}
			n++
		}
	})
	return n, perr
}

// produceOutput produces o, emitted for input record in, in the open
// transaction. An output without a timestamp takes its input's, as in
// Kafka Streams.
func (q *queryRunner) produceOutput(ctx context.Context, in *kgo.Record, o stream.Output, pr *produced) error {
	if !q.outputs[o.Topic] {
		return fmt.Errorf("emitted to %q, which is not an output of the query", o.Topic)
	}
	r := &kgo.Record{Topic: o.Topic, Key: o.Key, Value: o.Value, Timestamp: in.Timestamp}
	if o.Timestamp != 0 {
		r.Timestamp = time.UnixMilli(o.Timestamp)
	}
	if len(o.Headers) > 0 {
		r.Headers = make([]kgo.RecordHeader, len(o.Headers))
		for i, h := range o.Headers {
			r.Headers[i] = kgo.RecordHeader{Key: h.Key, Value: h.Value}
		}
	}
	q.sess.Produce(ctx, r, pr.promise)
	return nil
}

// produceChangelogs produces every touched store's writes to its
// changelog partition in the open transaction.
func (q *queryRunner) produceChangelogs(ctx context.Context, ts []*task, pr *produced) {
	for _, t := range ts {
		if !t.st.dirty() {
			continue
		}
		for _, r := range t.st.changelogRecords(q.changelog, t.partition) {
			q.sess.Produce(ctx, r, pr.promise)
		}
	}
}

// apply writes each committed store's writes to Pebble.
func (q *queryRunner) apply(ts []*task, pr *produced) error {
	for _, t := range ts {
		if !t.st.dirty() {
			t.st.discard() // only reads' misses, kept no longer than a transaction
			continue
		}
		next, ok := pr.next[t.partition]
		if !ok {
			return fmt.Errorf("query %s partition %d: committed a transaction without its changelog records", q.q.ID, t.partition)
		}
		if err := t.st.applyCommitted(next); err != nil {
			return fmt.Errorf("query %s partition %d: %w", q.q.ID, t.partition, err)
		}
	}
	return nil
}

// discard drops the open transaction's writes from the stores, and gives
// each task a new processor: one may keep in memory what it derived from
// its store (stream's remembered contributions by position), which the
// abort made stale.
func (q *queryRunner) discard(ts []*task) {
	for _, t := range ts {
		t.st.discard()
		t.proc = q.q.NewProcessor(t.partition)
	}
}
