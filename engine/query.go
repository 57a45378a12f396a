package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/stream"
)

// inputWait is how often a query looks for inputs that do not exist yet:
// often enough that a query reading another's repartition topic starts
// soon after the first creates it, at the cost of a metadata request.
const inputWait = 100 * time.Millisecond

// queryRunner runs one persistent query on this instance: a member of the
// query's consumer group with a transactional producer (kgo's
// GroupTransactSession), and a task per input partition it owns.
type queryRunner struct {
	q         stream.Query
	cfg       *Config
	kafka     kafka.Config
	log       *slog.Logger
	m         *metrics
	cl        *kgo.Client // the engine's plain client: admin, restore, leave
	adm       *kadm.Client
	changelog string
	dataDir   string
	outputs   map[string]bool
	cache     *pebble.Cache // the engine's block cache, for every store
	purge     *purger       // owned by the loop goroutine

	// Owned by the loop goroutine.
	sess  *kgo.GroupTransactSession
	tasks map[int32]*task

	// Written by the group's callbacks (kgo's goroutines), read by the
	// loop and by Assignment.
	mu         sync.Mutex
	assigned   map[int32]bool
	revoked    map[int32]bool // tasks to close before the next batch
	rebalanced bool           // a revoke since the loop last looked
	wake       func()         // ends the loop's poll under way
}

func newQueryRunner(q stream.Query, cfg *Config, m *metrics, cl *kgo.Client, c *pebble.Cache) *queryRunner {
	r := &queryRunner{
		q:         q,
		cfg:       cfg,
		kafka:     cfg.Kafka,
		log:       cfg.Log.With("query", q.ID),
		m:         m,
		cl:        cl,
		adm:       kadm.NewClient(cl),
		changelog: ChangelogTopic(q.ID),
		dataDir:   filepath.Join(cfg.DataDir, q.ID),
		outputs:   map[string]bool{},
		cache:     c,
		purge:     newPurger(q),
		tasks:     map[int32]*task{},
		assigned:  map[int32]bool{},
		revoked:   map[int32]bool{},
	}
	for _, o := range q.Outputs {
		r.outputs[o.Name] = true
	}
	return r
}

// run runs the query until ctx is done or it fails. Stopping is two
// phase: when ctx is done no new poll starts, the batch under way is
// finished and committed, and the member leaves the group; work, which
// ends a grace period after ctx, bounds all of that.
func (q *queryRunner) run(ctx, work context.Context) error {
	if _, err := q.ensureTopics(ctx); err != nil {
		return err
	}
	if err := q.connect(ctx); err != nil {
		return err
	}
	defer q.shutdown(work)
	for {
		fs := q.poll(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err := q.pollErr(fs); err != nil {
			q.sess.AllowRebalance()
			return err
		}
		var err error
		if q.closeRevoked() {
			err = q.skipPoll(work)
		} else if !fs.Empty() {
			err = q.batch(work, fs)
		}
		// Rebalances wait while a batch runs (BlockRebalanceOnPoll), so
		// that tasks change only between batches, in this goroutine.
		q.sess.AllowRebalance()
		if err != nil {
			return err
		}
	}
}

// poll polls for records until some come, ctx is done, or a revoke wakes
// it, so that revoked stores close at once rather than with the next
// records.
func (q *queryRunner) poll(ctx context.Context) kgo.Fetches {
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	q.mu.Lock()
	q.wake = cancel
	q.mu.Unlock()
	return q.sess.PollRecords(pctx, q.cfg.MaxPollRecords)
}

// connect joins the query's group as a transactional session. The
// client's options start from those kafka.Config.NewClient chooses
// (brokers, SASL, TLS), read back from a client that is closed at once,
// so that they are wired in one place.
func (q *queryRunner) connect(ctx context.Context) error {
	base, err := q.kafka.NewClient()
	if err != nil {
		return fmt.Errorf("query %s: %w", q.q.ID, err)
	}
	opts := base.Opts()
	base.Close()
	reset := kgo.NewOffset().AtEnd()
	if q.q.FromBeginning {
		reset = kgo.NewOffset().AtStart()
	}
	opts = append(opts,
		kgo.WithLogger(kgoLogger{q.log}),
		kgo.TransactionalID(TransactionalID(q.q.ID, q.cfg.InstanceID)),
		kgo.TransactionTimeout(q.cfg.TransactionTimeout),
		kgo.RecordPartitioner(newPartitioner(q.changelog)),
		kgo.ConsumerGroup(GroupID(q.q.ID)),
		kgo.ConsumeTopics(q.q.Inputs...),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.ConsumeResetOffset(reset),
		// Range gives partition p of every input to the same member,
		// the co-partitioning a task needs (the reason Kafka's range
		// assignor exists); the cooperative default does not.
		kgo.Balancers(kgo.RangeBalancer()),
		// Static membership: an instance restarted after a crash takes
		// its partitions back at once, instead of the group waiting out
		// the dead member's session. A clean stop leaves explicitly
		// (see leave).
		kgo.InstanceID(q.cfg.InstanceID),
		kgo.SessionTimeout(q.cfg.SessionTimeout),
		kgo.HeartbeatInterval(q.cfg.HeartbeatInterval),
		kgo.BlockRebalanceOnPoll(),
		// A batch produces up to MaxPollRecords outputs, then as many
		// changelog records: with kgo's default buffer (10,000 records)
		// Produce blocked mid-batch until the broker acknowledged,
		// so processing waited on the network instead of overlapping it.
		kgo.MaxBufferedRecords(3*q.cfg.MaxPollRecords),
		kgo.OnPartitionsAssigned(q.onAssigned),
		kgo.OnPartitionsRevoked(q.onRevoked),
		kgo.OnPartitionsLost(q.onRevoked),
	)
	sess, err := kgo.NewGroupTransactSession(opts...)
	if err != nil {
		return fmt.Errorf("query %s: creating the group session: %w", q.q.ID, err)
	}
	// Initialising the producer now aborts whatever transaction this
	// instance's previous life left open. Until then that transaction's
	// offsets stay pending, and the group's offset fetch (which requires
	// them stable) would wait for the transaction timeout.
	if _, _, err := sess.Client().ProducerID(ctx); err != nil {
		sess.Close()
		if errors.Is(err, kerr.ProducerFenced) || errors.Is(err, kerr.InvalidProducerEpoch) {
			err = fmt.Errorf("%w: %w", ErrFenced, err)
		}
		return fmt.Errorf("query %s: initialising transactional producer %s: %w", q.q.ID, TransactionalID(q.q.ID, q.cfg.InstanceID), err)
	}
	q.sess = sess
	return nil
}

// pollErr returns the first fatal error of a poll. A cancellation is us
// stopping; group errors kgo retries are logged.
func (q *queryRunner) pollErr(fs kgo.Fetches) error {
	var fatal error
	fs.EachError(func(t string, p int32, err error) {
		var ge *kgo.ErrGroupSession
		switch {
		case fatal != nil, errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded), errors.Is(err, kgo.ErrClientClosed):
		case errors.Is(err, kerr.FencedInstanceID):
			fatal = fmt.Errorf("query %s: %w: %w", q.q.ID, ErrFenced, err)
		case errors.As(err, &ge):
			q.log.Warn("consumer group trouble; retrying", "err", err)
		default:
			fatal = fmt.Errorf("consuming query %s: %s partition %d: %w", q.q.ID, t, p, err)
		}
	})
	return fatal
}

func (q *queryRunner) onAssigned(_ context.Context, _ *kgo.Client, m map[string][]int32) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, ps := range m {
		for _, p := range ps {
			q.assigned[p] = true
		}
	}
	q.m.tasks.WithLabelValues(q.q.ID).Set(float64(len(q.assigned)))
	q.log.Debug("partitions assigned", "partitions", m)
}

// onRevoked notes partitions revoked or lost and wakes the loop, which
// closes their tasks: kgo runs this in its own goroutine, and only the
// loop touches tasks. A task is never kept across a revoke:
// another instance may have changed its state meanwhile, and reopening
// restores what it wrote.
func (q *queryRunner) onRevoked(_ context.Context, _ *kgo.Client, m map[string][]int32) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.rebalanced = true
	if q.wake != nil {
		q.wake()
	}
	for _, ps := range m {
		for _, p := range ps {
			delete(q.assigned, p)
			q.revoked[p] = true
			q.m.lag.DeleteLabelValues(q.q.ID, strconv.Itoa(int(p)))
		}
	}
	q.m.tasks.WithLabelValues(q.q.ID).Set(float64(len(q.assigned)))
	q.log.Debug("partitions revoked", "partitions", m)
}

// assignment returns the partitions this instance owns, in order.
func (q *queryRunner) assignment() []int32 {
	q.mu.Lock()
	defer q.mu.Unlock()
	ps := make([]int32, 0, len(q.assigned))
	for p := range q.assigned {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
	return ps
}

// closeRevoked closes the tasks of partitions revoked since the last
// batch, and reports whether the group rebalanced meanwhile.
func (q *queryRunner) closeRevoked() bool {
	q.mu.Lock()
	revoked, rebalanced := q.revoked, q.rebalanced
	q.revoked, q.rebalanced = map[int32]bool{}, false
	q.mu.Unlock()
	for p := range revoked {
		if t, ok := q.tasks[p]; ok {
			q.closeTask(t)
		}
	}
	return rebalanced
}

// skipPoll drops the records of a poll that follows a rebalance. The
// session aborts the first transaction it ends after any revoke (it
// cannot tell one that came between transactions from one inside), so
// processing them would be wasted; ending now, with nothing begun, clears
// that and rewinds the consumer to the committed offsets, where the
// records are fetched again.
func (q *queryRunner) skipPoll(ctx context.Context) error {
	if _, err := q.sess.End(ctx, kgo.TryAbort); err != nil {
		return fmt.Errorf("query %s: resetting after a rebalance: %w", q.q.ID, err)
	}
	return nil
}

func (q *queryRunner) closeTask(t *task) {
	delete(q.tasks, t.partition)
	if err := t.close(); err != nil {
		q.log.Warn("closing a task", "partition", t.partition, "err", err)
	}
}

// shutdown aborts a transaction a failed batch may have left open, closes
// the session and the tasks, and leaves the group.
func (q *queryRunner) shutdown(ctx context.Context) {
	q.sess.AllowRebalance()
	cl := q.sess.Client()
	if err := cl.EndTransaction(ctx, kgo.TryAbort); err != nil {
		q.log.Debug("aborting the open transaction while stopping", "err", err)
	}
	memberID, _ := cl.GroupMetadata()
	q.sess.Close()
	for _, t := range q.tasks {
		q.closeTask(t)
	}
	if memberID != "" {
		q.leave(ctx, memberID)
	}
	q.mu.Lock()
	clear(q.assigned)
	q.m.tasks.WithLabelValues(q.q.ID).Set(0)
	q.mu.Unlock()
}

// leave takes this instance out of the query's group. A static member's
// client does not leave when it closes (so that a restart finds its
// partitions waiting); an instance that stops cleanly is going away, and
// its partitions should move now, not after the session timeout.
func (q *queryRunner) leave(ctx context.Context, memberID string) {
	req := kmsg.NewPtrLeaveGroupRequest()
	req.Group = GroupID(q.q.ID)
	m := kmsg.NewLeaveGroupRequestMember()
	m.MemberID = memberID
	m.InstanceID = kmsg.StringPtr(q.cfg.InstanceID)
	m.Reason = kmsg.StringPtr("chaintap engine stopping")
	req.Members = append(req.Members, m)
	resp, err := req.RequestWith(ctx, q.cl)
	if err == nil {
		err = kerr.ErrorForCode(resp.ErrorCode)
		for _, m := range resp.Members {
			err = errors.Join(err, kerr.ErrorForCode(m.ErrorCode))
		}
	}
	if err != nil {
		q.log.Warn("leaving the query's group; its partitions move after the session timeout", "err", err)
	}
}
