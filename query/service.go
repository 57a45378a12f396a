// Package query runs transient queries, ksqlDB's push and pull queries:
// a push query (SELECT … EMIT CHANGES) streams every change of its result
// until it is closed or reaches its LIMIT; a pull query (SELECT … FROM a
// materialized table, no EMIT) answers with the table's current rows and
// ends.
//
// Both run the query's compiled stages in memory (stream.Local) over a
// plain read_committed consumer of the query's inputs, all partitions in
// one place: a transient query keeps no state that must survive, and
// needs no consumer group, changelog or transaction. Retractions on the
// inputs (reorgs) flow through as they do in persistent queries, so a
// result row that a reorg undoes is retracted (a tombstone change).
//
// A pull query reads its table's topic from the start up to the offsets
// committed when it arrives (the table's topic is its changelog, and
// the persistent query that materializes it commits rows and state
// together), so it sees every row committed before it was asked, on any
// instance, whichever instance owns the table's partitions.
package query

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/sql"
	"github.com/chaintap/chaintap/stream"
)

// Spec is a transient query compiled against the catalog.
type Spec struct {
	ID   string
	Plan *sql.QueryPlan
	// Stages run in memory; their results go to Results.
	Stages  []stream.Query
	Results string
	// FromBeginning reads the inputs from their start
	// (auto.offset.reset=earliest); otherwise from their end.
	FromBeginning bool
	// Snapshot makes a push query first fold its result up to the inputs'
	// committed end and send that as one row per key (a table's current
	// rows), then the changes after it: what a dashboard wants. Without
	// it a push query over a table streams every update, as ksqlDB does.
	Snapshot bool
}

// Change is one row of a result, in the plan's output column order. A
// tombstone deletes (or retracts) the row of its key: only its key
// columns are set.
type Change struct {
	Row       sql.Row
	Tombstone bool
}

// ErrNotFound is returned by Close for a query that is not running.
var ErrNotFound = errors.New("no such query")

// Service runs transient queries and keeps the push queries under way, so
// that they can be listed and closed by ID.
type Service struct {
	kafka kafka.Config
	log   *slog.Logger

	mu      sync.Mutex
	running map[string]*Push
}

// New returns a service over the cluster kcfg names; log nil discards.
func New(kcfg kafka.Config, log *slog.Logger) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{kafka: kcfg, log: log, running: map[string]*Push{}}
}

// NewID names a transient query as ksqlDB does: transient_<SOURCE>_<n>.
func NewID(p *sql.QueryPlan) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "transient_" + strings.ToUpper(p.From.Source.Name) + "_" + hex.EncodeToString(b[:])
}

// Close ends the push query id: its Next returns ErrClosed.
func (s *Service) Close(id string) error {
	s.mu.Lock()
	p, ok := s.running[id]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("query %s: %w", id, ErrNotFound)
	}
	p.cancel()
	return nil
}

// Running lists the push queries under way.
func (s *Service) Running() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := slices.Collect(maps.Keys(s.running))
	sort.Strings(ids)
	return ids
}

func (s *Service) track(p *Push) {
	s.mu.Lock()
	s.running[p.ID] = p
	s.mu.Unlock()
}

func (s *Service) untrack(id string) {
	s.mu.Lock()
	delete(s.running, id)
	s.mu.Unlock()
}

// externalInputs are the topics the stages read that no stage writes:
// what the consumer reads from Kafka (a repartition topic between two
// stages is fed in memory by stream.Local).
func externalInputs(stages []stream.Query) []string {
	written := map[string]bool{}
	for _, s := range stages {
		for _, o := range s.Outputs {
			written[o.Name] = true
		}
	}
	var out []string
	for _, s := range stages {
		for _, in := range s.Inputs {
			if !written[in] && !slices.Contains(out, in) {
				out = append(out, in)
			}
		}
	}
	return out
}
