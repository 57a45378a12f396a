package pgsink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap/internal/resume"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/sql"
)

// Config configures a sink.
type Config struct {
	// Name identifies the sink in chaintap_sink_offsets and its lock.
	Name  string
	DSN   string
	Table Table
	Topic string
	// Source describes the topic: its columns (key columns marked), key
	// format and value format (JSON), as a CREATE STREAM/TABLE declares
	// it (see sql.Source).
	Source *sql.Source
	Kafka  kafka.Config
	// CreateTable creates the table from the columns when it is missing.
	CreateTable bool
	// BatchSize bounds the records applied in one transaction (default
	// 100000). Batches are smaller when PostgreSQL keeps up: one is
	// applied as soon as the last is committed.
	BatchSize int
	// RetryInitial and RetryMax bound the backoff between sessions
	// (defaults 200ms and 10s).
	RetryInitial, RetryMax time.Duration
	Log                    *slog.Logger
	Metrics                prometheus.Registerer
}

// Sink applies a topic to a table. Run it once.
type Sink struct {
	cfg     Config
	table   Table
	st      statements  // per session
	empty   bool        // per session: the table was empty at its start
	binary  *binaryCopy // per session; nil: pgx's CopyFrom
	log     *slog.Logger
	metrics *metrics
}

// New checks the configuration and registers the metrics.
func New(cfg Config) (*Sink, error) {
	if cfg.Name == "" || cfg.DSN == "" || cfg.Topic == "" || cfg.Table.Name == "" || cfg.Source == nil {
		return nil, errors.New("pgsink: a name, a DSN, a topic, a table and the topic's columns are required")
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 100000
	}
	if cfg.RetryInitial <= 0 {
		cfg.RetryInitial = 200 * time.Millisecond
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = 10 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(cfg.Metrics, cfg.Name)
	if err != nil {
		return nil, fmt.Errorf("pgsink %s: registering metrics: %w", cfg.Name, err)
	}
	return &Sink{cfg: cfg, table: cfg.Table, log: cfg.Log, metrics: m}, nil
}

// Run applies the topic until ctx is done (then it returns nil) or an
// error retrying cannot cure (a RecordError, a table that does not fit).
// Outages of PostgreSQL or Kafka are retried with backoff; each session
// starts from the offsets stored in PostgreSQL.
func (s *Sink) Run(ctx context.Context) error {
	p := resume.Policy{Retryable: retryable, Initial: s.cfg.RetryInitial, Max: s.cfg.RetryMax,
		OnRetry: func(d time.Duration, err error) {
			s.metrics.retries.Inc()
			s.log.Warn("pgsink: PostgreSQL or Kafka failed; retrying", "sink", s.cfg.Name, "in", d, "err", err)
		}}
	if err := p.Run(ctx, s.session); err != nil {
		return fmt.Errorf("pgsink %s: %w", s.cfg.Name, err)
	}
	return nil
}

// session connects, takes the sink's lock, and applies batches from the
// stored offsets on.
func (s *Sink) session(ctx context.Context) error {
	conn, err := pgx.Connect(ctx, s.cfg.DSN)
	if err != nil {
		return fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	defer conn.Close(context.Background())
	if err := s.lock(ctx, conn); err != nil {
		return err
	}
	if err := prepareTables(ctx, conn, s.table, s.cfg.Source.Schema.Columns, s.cfg.CreateTable); err != nil {
		return err
	}
	kt, err := keyTypes(ctx, conn, s.table, s.cfg.Source.Schema.Columns)
	if err != nil {
		return err
	}
	s.st = newStatements(s.table, s.cfg.Source.Schema.Columns, kt)
	if s.empty, err = tableEmpty(ctx, conn, s.table); err != nil {
		return err
	}
	if s.binary, err = newBinaryCopy(ctx, conn, s.table, s.cfg.Source.Schema.Columns); err != nil {
		return err
	}
	start, err := s.startOffsets(ctx, conn)
	if err != nil {
		return err
	}
	cl, err := s.cfg.Kafka.NewClient(
		kgo.DisableClientMetrics(),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{s.cfg.Topic: start}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.FetchMaxBytes(64<<20),
	)
	if err != nil {
		return err
	}
	defer cl.Close()
	s.log.Info("pgsink: applying", "sink", s.cfg.Name, "topic", s.cfg.Topic, "table", s.table)
	return s.loop(ctx, conn, cl)
}

// lock holds a session-level advisory lock for the sink's name: a second
// instance would apply the same records beside this one.
func (s *Sink) lock(ctx context.Context, conn *pgx.Conn) error {
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock(hashtext('chaintap_sink:' || $1))`, s.cfg.Name).Scan(&ok); err != nil {
		return fmt.Errorf("taking sink %s's lock: %w", s.cfg.Name, err)
	}
	if !ok {
		return &busyError{sink: s.cfg.Name}
	}
	return nil
}

// startOffsets: the stored next offset of each partition of the topic, or
// its start for partitions never applied.
func (s *Sink) startOffsets(ctx context.Context, conn *pgx.Conn) (map[int32]kgo.Offset, error) {
	stored := map[int32]int64{}
	rows, err := conn.Query(ctx, `SELECT partition, next_offset FROM chaintap_sink_offsets WHERE sink = $1 AND topic = $2`, s.cfg.Name, s.cfg.Topic)
	if err != nil {
		return nil, fmt.Errorf("reading the stored offsets: %w", err)
	}
	for rows.Next() {
		var p int32
		var o int64
		if err := rows.Scan(&p, &o); err != nil {
			return nil, fmt.Errorf("reading the stored offsets: %w", err)
		}
		stored[p] = o
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading the stored offsets: %w", err)
	}
	parts, err := s.partitions(ctx)
	if err != nil {
		return nil, err
	}
	start := map[int32]kgo.Offset{}
	for _, p := range parts {
		start[p] = kgo.NewOffset().AtStart()
		if o, ok := stored[p]; ok {
			start[p] = kgo.NewOffset().At(o)
		}
	}
	return start, nil
}

// partitions lists the topic's partitions; a topic that does not exist
// yet is an outage (its writer has not started), retried.
func (s *Sink) partitions(ctx context.Context) ([]int32, error) {
	cl, err := s.cfg.Kafka.NewClient(kgo.DisableClientMetrics())
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	td, err := kadm.NewClient(cl).ListTopics(ctx, s.cfg.Topic)
	if err != nil {
		return nil, fmt.Errorf("listing topic %s: %w", s.cfg.Topic, err)
	}
	t, ok := td[s.cfg.Topic]
	if !ok || t.Err != nil {
		return nil, fmt.Errorf("topic %s does not exist (yet): %v", s.cfg.Topic, t.Err)
	}
	return t.Partitions.Numbers(), nil
}

// loop applies batches until an error. Polling and decoding the next
// batch (Go's work) overlaps applying the current one (PostgreSQL's): the
// decoder runs in its own goroutine, owned here, and hands a batch over
// only when the applier waits for one (batches is unbuffered), growing it
// meanwhile. Applied batches come back through free to be filled again:
// growing a new 100k-row batch's buffers cost more than encoding into them.
func (s *Sink) loop(ctx context.Context, conn *pgx.Conn, cl *kgo.Client) error {
	g, gctx := errgroup.WithContext(ctx)
	batches, free := make(chan *batch), make(chan *batch, 2)
	g.Go(func() error {
		defer close(batches)
		return s.decodeBatches(gctx, cl, batches, free)
	})
	g.Go(func() error {
		for b := range batches {
			if err := s.apply(gctx, conn, b); err != nil {
				return err
			}
			select { // two batches exist at most: one applied, one filled
			case free <- b:
			default:
			}
		}
		return gctx.Err()
	})
	return g.Wait()
}

// decodeBatches polls records and sends them decoded as batches. While
// the applier is busy with one batch, the next keeps growing by further
// polls (up to BatchSize records): batches are as large as PostgreSQL is
// slow, which matters because each costs PostgreSQL a transaction and a
// COPY's start and end (a quarter more server CPU per row at 20k-row
// batches than in one COPY, measured in BenchmarkPgSinkRatio), while a
// lone record still goes out at once when the applier waits for it.
func (s *Sink) decodeBatches(ctx context.Context, cl *kgo.Client, out chan<- *batch, free <-chan *batch) error {
	dec := newDecoder(s.cfg.Source, newKeyTable(s.empty), s.binary != nil)
	retry := time.NewTimer(0)
	defer retry.Stop()
	var cur *batch
	for {
		if cur == nil {
			var err error
			if cur, err = s.pollInto(ctx, cl, dec, nil, free); err != nil {
				return err
			}
			continue
		}
		select { // the applier waits: hand the batch over now
		case out <- cur:
			cur = nil
			continue
		default:
		}
		full := cur.records >= s.cfg.BatchSize
		if !full && cl.BufferedFetchRecords() > 0 {
			if _, err := s.pollInto(ctx, cl, dec, cur, free); err != nil {
				return err
			}
			continue
		}
		// Hand the batch over when the applier takes it; unless it is
		// full, grow it instead if records arrive first (looked at every
		// millisecond: there is no channel for that). A full batch waits
		// for the applier only (recheck stays nil).
		var recheck <-chan time.Time
		if !full {
			retry.Reset(time.Millisecond)
			recheck = retry.C
		}
		select {
		case out <- cur:
			cur = nil
		case <-recheck:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// pollInto polls (blocking while cur is nil) and adds the records to cur,
// or to a new batch; it returns the batch, nil if it has no records.
func (s *Sink) pollInto(ctx context.Context, cl *kgo.Client, dec *decoder, cur *batch, free <-chan *batch) (*batch, error) {
	fs := cl.PollRecords(ctx, s.cfg.BatchSize-cur.size())
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var ferr error
	fs.EachError(func(t string, p int32, err error) {
		if ferr == nil {
			ferr = fmt.Errorf("consuming %s/%d: %w", t, p, err)
		}
	})
	if ferr != nil {
		return nil, ferr
	}
	if cur == nil {
		if fs.NumRecords() == 0 {
			return nil, nil
		}
		select {
		case cur = <-free:
			cur.reset()
		default:
			cur = newBatch(fs.NumRecords(), s.binary != nil)
		}
		dec.known.start()
	}
	var derr error
	fs.EachRecord(func(r *kgo.Record) {
		if derr == nil {
			derr = dec.add(cur, r)
		}
	})
	return cur, derr
}
