package pgsource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/chaintap/chaintap/internal/resume"
	"github.com/chaintap/chaintap/kafka"
)

// Config configures a source.
type Config struct {
	// Name identifies the source: its slot and publication are
	// chaintap_<name>, its position topic _chaintap.pgsource.<name>.position,
	// its transactional ID chaintap-pgsource-<name>.
	Name   string
	DSN    string
	Tables []Table
	Kafka  kafka.Config
	// Resnapshot lets a source whose slot is missing create it again and
	// publish a new snapshot (see SlotMissingError).
	Resnapshot bool
	// FlushInterval bounds how long committed PostgreSQL transactions wait
	// to be published together in one Kafka transaction (default 1ms:
	// the latency a change pays; under load the transactions that arrive
	// while one Kafka transaction commits share the next one anyway).
	FlushInterval time.Duration
	// MaxBatch publishes as soon as this many records wait (default 5000).
	MaxBatch int
	// StatusInterval is how often the confirmed LSN is sent to PostgreSQL
	// when nothing else prompts it (default 10s).
	StatusInterval time.Duration
	// TransactionTimeout bounds a Kafka transaction, the snapshot's
	// included (default 10 minutes).
	TransactionTimeout time.Duration
	// RetryInitial and RetryMax bound the backoff between sessions when
	// PostgreSQL or Kafka fail (defaults 200ms and 10s).
	RetryInitial, RetryMax time.Duration
	Log                    *slog.Logger
	Metrics                prometheus.Registerer
}

// Source captures the tables into Kafka. Run it once.
type Source struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics
	// afterKafkaCommit, when set (by tests), runs between a Kafka commit
	// and the status update confirming it: an error there is a crash in
	// that window.
	afterKafkaCommit func() error
}

// New checks the configuration and registers the metrics.
func New(cfg Config) (*Source, error) {
	if cfg.Name == "" || cfg.DSN == "" || len(cfg.Tables) == 0 {
		return nil, errors.New("pgsource: a name, a DSN and at least one table are required")
	}
	if !validName(cfg.Name) {
		return nil, fmt.Errorf("pgsource: name %q: use lower-case letters, digits and _ (at most 54): it names the replication slot chaintap_<name>, and PostgreSQL allows nothing else there", cfg.Name)
	}
	for _, t := range cfg.Tables {
		if t.Topic == "" {
			return nil, fmt.Errorf("pgsource: table %s has no topic", t.Qualified())
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.FlushInterval, time.Millisecond)
	def(&cfg.StatusInterval, 10*time.Second)
	def(&cfg.TransactionTimeout, 10*time.Minute)
	def(&cfg.RetryInitial, 200*time.Millisecond)
	def(&cfg.RetryMax, 10*time.Second)
	if cfg.MaxBatch <= 0 {
		cfg.MaxBatch = 5000
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(cfg.Metrics, cfg.Name)
	if err != nil {
		return nil, fmt.Errorf("pgsource %s: registering metrics: %w", cfg.Name, err)
	}
	return &Source{cfg: cfg, log: cfg.Log, metrics: m}, nil
}

// validName: a replication slot's name is [a-z0-9_], 63 bytes at most.
func validName(name string) bool {
	if len(name) > 63-len("chaintap_") {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// SlotName is the replication slot (and publication) of the source.
func (s *Source) SlotName() string { return "chaintap_" + s.cfg.Name }

// Run captures until ctx is done (then it returns nil) or an error that
// retrying cannot cure. PostgreSQL or Kafka being unreachable is retried
// with exponential backoff: each session starts again from the position
// in Kafka, so an outage loses and doubles nothing.
func (s *Source) Run(ctx context.Context) error {
	p := resume.Policy{Retryable: retryable, Initial: s.cfg.RetryInitial, Max: s.cfg.RetryMax,
		OnRetry: func(d time.Duration, err error) {
			s.metrics.retries.Inc()
			s.log.Warn("pgsource: PostgreSQL or Kafka failed; retrying", "source", s.cfg.Name, "in", d, "err", err)
		}}
	if err := p.Run(ctx, s.session); err != nil {
		return fmt.Errorf("pgsource %s: %w", s.cfg.Name, err)
	}
	return nil
}
