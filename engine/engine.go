package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/stream"
)

// Config configures an engine. Kafka and DataDir are required.
type Config struct {
	Kafka kafka.Config
	// DataDir holds the task stores: <DataDir>/<query ID>/<partition>.
	// It is a cache of the changelogs: deleting it costs a restore.
	DataDir string
	Log     *slog.Logger          // nil: discard
	Metrics prometheus.Registerer // nil: unregistered
	// InstanceID names this instance in the queries' groups (static
	// membership) and transactional IDs. It must differ between
	// instances running at once and stay the same across restarts of
	// one: a restart then takes its partitions back at once and aborts
	// the transaction its crash left open. Empty: the host name and a
	// hash of DataDir, which has both properties on one machine.
	InstanceID string

	// SessionTimeout is how long the group waits for an instance that
	// stopped without leaving (a crash) before giving its partitions to
	// others; a restart with the same InstanceID needs no wait. 0: 45s.
	SessionTimeout time.Duration
	// HeartbeatInterval is how often a member learns that its group
	// rebalances: an instance joining or leaving waits for it. 0: 3s, or
	// a third of SessionTimeout when that is shorter (Kafka's advice: a
	// member missing one heartbeat must not lose its session).
	HeartbeatInterval time.Duration
	// TransactionTimeout bounds a transaction a crashed instance left
	// open, which holds read_committed readers of its outputs back.
	// 0: 10s, Kafka Streams' default under exactly-once.
	TransactionTimeout time.Duration
	// MaxPollRecords bounds the records of one transaction. 0: 10000.
	MaxPollRecords int
	// ShutdownTimeout bounds stopping: finishing the batch under way,
	// committing it and leaving the groups. 0: 30s.
	ShutdownTimeout time.Duration
}

// blockCacheSize is the engine's Pebble block cache, shared by its stores.
const blockCacheSize = 128 << 20

func (c Config) withDefaults() (Config, error) {
	if len(c.Kafka.Brokers) == 0 {
		return c, errors.New("engine: no Kafka brokers configured")
	}
	if c.DataDir == "" {
		return c, errors.New("engine: no data directory configured")
	}
	abs, err := filepath.Abs(c.DataDir)
	if err != nil {
		return c, fmt.Errorf("engine: data directory %s: %w", c.DataDir, err)
	}
	c.DataDir = abs
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.InstanceID == "" {
		host, err := os.Hostname()
		if err != nil {
			return c, fmt.Errorf("engine: naming this instance: %w", err)
		}
		sum := sha256.Sum256([]byte(abs))
		c.InstanceID = host + "-" + hex.EncodeToString(sum[:4])
	}
	if err := checkName("engine: instance ID", c.InstanceID); err != nil {
		return c, err
	}
	c.SessionTimeout = cmp0(c.SessionTimeout, 45*time.Second)
	c.HeartbeatInterval = cmp0(c.HeartbeatInterval, min(3*time.Second, c.SessionTimeout/3))
	c.TransactionTimeout = cmp0(c.TransactionTimeout, 10*time.Second)
	c.ShutdownTimeout = cmp0(c.ShutdownTimeout, 30*time.Second)
	if c.MaxPollRecords <= 0 {
		c.MaxPollRecords = 10000
	}
	return c, nil
}

func cmp0(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Engine runs persistent queries the Kafka Streams way: per query, a
// member of the query's consumer group, a task per input partition it
// owns with its state in Pebble backed by a compacted changelog topic,
// and each poll's outputs, changelog records and input offsets committed
// in one Kafka transaction. Instances sharing the queries share the work.
type Engine struct {
	cfg Config
	m   *metrics

	mu      sync.Mutex
	started bool
	closed  bool
	cancel  context.CancelFunc
	done    chan struct{}
	runners []*queryRunner
}

// New checks cfg and registers the engine's metrics. Nothing connects
// before Run.
func New(cfg Config) (*Engine, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	m, err := newMetrics(cfg.Metrics)
	if err != nil {
		return nil, err
	}
	return &Engine{cfg: cfg, m: m}, nil
}

// InstanceID is the instance's ID (Config.InstanceID or the derived one).
func (e *Engine) InstanceID() string { return e.cfg.InstanceID }

// Run runs the queries until ctx is done (it returns nil) or one fails
// (it stops the others and returns that error; a processor's is a
// *ProcessError). It can be called once.
func (e *Engine) Run(ctx context.Context, queries ...stream.Query) error {
	if err := checkQueries(queries); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	e.mu.Lock()
	if e.started || e.closed {
		e.mu.Unlock()
		return errors.New("engine: Run called twice, or after Close")
	}
	e.started, e.cancel, e.done = true, cancel, make(chan struct{})
	e.mu.Unlock()
	defer close(e.done)

	// The admin client caches metadata for MetadataMinAge, a missing
	// topic included: with the default 5 s, a query whose input another
	// query of the same engine creates (a repartition topic) saw it
	// missing for 5 s after it was created. inputWait paces the polls.
	cl, err := e.cfg.Kafka.NewClient(kgo.WithLogger(kgoLogger{e.cfg.Log}), kgo.MetadataMinAge(inputWait/5))
	if err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	defer cl.Close()

	// One block cache for every task store of every query: Pebble's
	// default is a small one per store. Each store's Pebble holds a
	// reference while open; this one is dropped once every query has
	// stopped and closed its stores.
	blockCache := pebble.NewCache(blockCacheSize)
	defer blockCache.Unref()

	// A query that fails stops the others (gctx), which finish their
	// batch under way within the grace period (work), as on ctx.
	g, gctx := errgroup.WithContext(ctx)
	work, stopWork := withGrace(gctx, e.cfg.ShutdownTimeout)
	defer stopWork()
	for _, q := range queries {
		r := newQueryRunner(q, &e.cfg, e.m, cl, blockCache)
		e.mu.Lock()
		e.runners = append(e.runners, r)
		e.mu.Unlock()
		g.Go(func() error { return r.run(gctx, work) })
	}
	err = g.Wait()
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return nil // stopped while starting
	}
	return err
}

// Assignment returns the input partitions this instance owns, per query
// ID, as of the last rebalance.
func (e *Engine) Assignment() map[string][]int32 {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := map[string][]int32{}
	for _, r := range e.runners {
		out[r.q.ID] = r.assignment()
	}
	return out
}

// Close stops a running Run and waits for it to return. It is idempotent
// and safe to call when Run was never called.
func (e *Engine) Close() {
	e.mu.Lock()
	e.closed = true
	cancel, done := e.cancel, e.done
	e.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// withGrace returns a context that ends d after parent does (or when stop
// is called): the second phase of a shutdown, which bounds finishing the
// work under way once new work stopped.
func withGrace(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.WithoutCancel(parent))
	var mu sync.Mutex
	var t *time.Timer
	stopAfter := context.AfterFunc(parent, func() {
		mu.Lock()
		defer mu.Unlock()
		t = time.AfterFunc(d, cancel)
	})
	return ctx, func() {
		stopAfter()
		mu.Lock()
		if t != nil {
			t.Stop()
		}
		mu.Unlock()
		cancel()
	}
}

// checkQueries rejects what cannot run: a query without ID, inputs or
// processor, an ID used twice, a name Kafka refuses.
func checkQueries(qs []stream.Query) error {
	if len(qs) == 0 {
		return errors.New("engine: no queries to run")
	}
	seen := map[string]bool{}
	for _, q := range qs {
		if err := checkName("engine: query ID", q.ID); err != nil {
			return err
		}
		if seen[q.ID] {
			return fmt.Errorf("engine: query ID %s used twice", q.ID)
		}
		seen[q.ID] = true
		if len(q.Inputs) == 0 || q.NewProcessor == nil {
			return fmt.Errorf("engine: query %s has no inputs or no processor", q.ID)
		}
		inputs := map[string]bool{}
		for _, in := range q.Inputs {
			if err := checkName("engine: query "+q.ID+" input", in); err != nil {
				return err
			}
			inputs[in] = true
		}
		for _, o := range q.Outputs {
			if err := checkName("engine: query "+q.ID+" output", o.Name); err != nil {
				return err
			}
			if inputs[o.Name] {
				return fmt.Errorf("engine: query %s writes its own input %s", q.ID, o.Name)
			}
		}
	}
	return nil
}
