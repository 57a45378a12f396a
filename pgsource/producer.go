package pgsource

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/kafka"
)

// producer writes a source's records and position in Kafka transactions.
type producer struct {
	cl   *kgo.Client
	name string

	mu   sync.Mutex
	perr error // the first produce error of the open transaction
}

// TransactionalID of source name: one per source, so a second instance
// (or a restarted one) fences the first.
func TransactionalID(name string) string { return "chaintap-pgsource-" + name }

// newProducer connects, creates the topics when missing and initialises
// the transactional producer, which aborts whatever transaction a killed
// predecessor left open: only then can the position be read.
func (s *Source) newProducer(ctx context.Context) (*producer, error) {
	cl, err := s.cfg.Kafka.NewClient(
		kgo.TransactionalID(TransactionalID(s.cfg.Name)),
		kgo.TransactionTimeout(s.cfg.TransactionTimeout),
		kgo.DisableClientMetrics(),
	)
	if err != nil {
		return nil, err
	}
	p := &producer{cl: cl, name: s.cfg.Name}
	if err := s.ensureTopics(ctx, cl); err != nil {
		cl.Close()
		return nil, err
	}
	if _, _, err := cl.ProducerID(ctx); err != nil {
		cl.Close()
		return nil, fmt.Errorf("initialising transactional producer %s: %w", TransactionalID(s.cfg.Name), err)
	}
	return p, nil
}

// ensureTopics creates the data topics (compacted: they are tables) and
// the position topic (compacted, one partition).
func (s *Source) ensureTopics(ctx context.Context, cl *kgo.Client) error {
	adm := kadm.NewClient(cl)
	tc := s.cfg.Kafka.Topics
	parts := tc.Partitions
	if parts <= 0 {
		parts = 1
	}
	rf := tc.ReplicationFactor
	if rf == 0 {
		rf = -1
	}
	compact := map[string]*string{"cleanup.policy": kadm.StringPtr("compact")}
	if err := kafka.CreateTopic(ctx, adm, 1, rf, compact, PositionTopic(s.cfg.Name)); err != nil {
		return err
	}
	for _, t := range s.cfg.Tables {
		if err := kafka.CreateTopic(ctx, adm, parts, rf, compact, t.Topic); err != nil {
			return err
		}
	}
	return nil
}

func (p *producer) begin() error {
	p.mu.Lock()
	p.perr = nil
	p.mu.Unlock()
	if err := p.cl.BeginTransaction(); err != nil {
		return fmt.Errorf("beginning a Kafka transaction: %w", err)
	}
	return nil
}

// produce buffers r in the open transaction; errors surface at commit.
func (p *producer) produce(ctx context.Context, r *kgo.Record) {
	p.cl.Produce(ctx, r, func(_ *kgo.Record, err error) {
		if err != nil {
			p.mu.Lock()
			if p.perr == nil {
				p.perr = err
			}
			p.mu.Unlock()
		}
	})
}

// commit writes pos in the open transaction and commits it: records and
// position become visible together or not at all.
func (p *producer) commit(ctx context.Context, pos position) error {
	p.produce(ctx, pos.record(p.name))
	if err := p.cl.Flush(ctx); err != nil {
		return p.abort(ctx, fmt.Errorf("flushing the Kafka transaction: %w", err))
	}
	p.mu.Lock()
	perr := p.perr
	p.mu.Unlock()
	if perr != nil {
		return p.abort(ctx, fmt.Errorf("producing to Kafka: %w", perr))
	}
	if err := p.cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		return fmt.Errorf("committing the Kafka transaction: %w", err)
	}
	return nil
}

func (p *producer) abort(ctx context.Context, err error) error {
	if aerr := p.cl.EndTransaction(ctx, kgo.TryAbort); aerr != nil {
		return errors.Join(err, fmt.Errorf("aborting the Kafka transaction: %w", aerr))
	}
	return err
}

// close aborts an open transaction (a failed session's) and closes.
func (p *producer) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = p.cl.EndTransaction(ctx, kgo.TryAbort)
	p.cl.Close()
}
