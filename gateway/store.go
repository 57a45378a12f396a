package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/kafka"
)

// Topics names a chain's gateway topics.
type Topics struct {
	Requests string // <prefix><chain>.tx.requests: requests in, keyed by idempotency key
	Receipts string // <prefix><chain>.tx.receipts: outcomes, keyed by request id
	State    string // _chaintap.gateway.<chain>.requests: compacted, keyed by request id
}

// TopicsFor names chain's gateway topics.
func TopicsFor(prefix, chain string) Topics {
	return Topics{Requests: prefix + chain + ".tx.requests", Receipts: prefix + chain + ".tx.receipts",
		State: "_chaintap.gateway." + chain + ".requests"}
}

// TransactionalID is the gateway's transactional ID for chain: a second
// gateway for the chain fences the first, so two never assign nonces at
// once.
func TransactionalID(chain string) string { return "chaintap-gateway-" + chain }

// store persists request states and receipts, each batch in one Kafka
// transaction.
type store struct {
	cfg    kafka.Config
	chain  string
	topics Topics
	cl     *kgo.Client
}

func openStore(ctx context.Context, cfg kafka.Config, chain string, topics Topics) (*store, error) {
	cl, err := cfg.NewClient(kgo.TransactionalID(TransactionalID(chain)), kgo.TransactionTimeout(20*time.Second),
		kgo.ProducerLinger(0), kgo.DisableClientMetrics())
	if err != nil {
		return nil, err
	}
	if err := ensureTopics(ctx, cl, cfg.Topics, topics); err != nil {
		cl.Close()
		return nil, err
	}
	// Initialising the producer ID aborts what an earlier instance left
	// open and fences it.
	if _, _, err := cl.ProducerID(ctx); err != nil {
		cl.Close()
		return nil, fmt.Errorf("initialising the gateway's transactional producer %s: %w", TransactionalID(chain), err)
	}
	return &store{cfg: cfg, chain: chain, topics: topics, cl: cl}, nil
}

func ensureTopics(ctx context.Context, cl *kgo.Client, tc kafka.TopicConfig, t Topics) error {
	adm := kadm.NewClient(cl)
	parts, rf := max(tc.Partitions, 1), tc.ReplicationFactor
	if rf == 0 {
		rf = -1
	}
	for _, topic := range []string{t.Requests, t.Receipts} {
		if err := kafka.CreateTopic(ctx, adm, parts, rf, nil, topic); err != nil {
			return err
		}
	}
	// The state topic is read whole at start-up: one partition, compacted
	// to the latest state of each request, kept forever (idempotency keys
	// never expire).
	conf := map[string]*string{"cleanup.policy": kadm.StringPtr("compact"), "retention.ms": kadm.StringPtr("-1")}
	return kafka.CreateTopic(ctx, adm, 1, rf, conf, t.State)
}

// load reads every request's latest state.
func (s *store) load(ctx context.Context) (map[string]*State, error) {
	states := map[string]*State{}
	err := kafka.ReadTopic(ctx, s.cfg, s.topics.State, 0, func(r *kgo.Record) error {
		if r.Value == nil {
			delete(states, string(r.Key))
			return nil
		}
		var st State
		if err := json.Unmarshal(r.Value, &st); err != nil {
			return fmt.Errorf("decoding request %s at offset %d of %s: %w", r.Key, r.Offset, s.topics.State, err)
		}
		states[st.ID] = &st
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loading the gateway's state: %w", err)
	}
	return states, nil
}

// write persists states and receipts in one transaction. When it fails the
// outcome is unknown (a commit may have landed), so the caller must stop
// and reload rather than go on from memory.
func (s *store) write(ctx context.Context, states []*State, receipts []Receipt) error {
	if len(states) == 0 && len(receipts) == 0 {
		return nil
	}
	recs := make([]*kgo.Record, 0, len(states)+len(receipts))
	for _, st := range states {
		v, err := json.Marshal(st)
		if err != nil {
			return fmt.Errorf("encoding request %s: %w", st.ID, err)
		}
		recs = append(recs, &kgo.Record{Topic: s.topics.State, Key: []byte(st.ID), Value: v})
	}
	for _, rc := range receipts {
		v, err := json.Marshal(rc)
		if err != nil {
			return fmt.Errorf("encoding the receipt of %s: %w", rc.RequestID, err)
		}
		recs = append(recs, &kgo.Record{Topic: s.topics.Receipts, Key: []byte(rc.RequestID), Value: v,
			Headers: []kgo.RecordHeader{{Key: "chain", Value: []byte(s.chain)}, {Key: "status", Value: []byte(rc.Status)}}})
	}
	if err := s.cl.BeginTransaction(); err != nil {
		return fmt.Errorf("beginning a gateway transaction: %w", err)
	}
	if err := s.cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		_ = s.cl.EndTransaction(context.WithoutCancel(ctx), kgo.TryAbort)
		return fmt.Errorf("writing %d gateway records: %w", len(recs), err)
	}
	if err := s.cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		return fmt.Errorf("committing %d gateway records: %w", len(recs), err)
	}
	return nil
}

func (s *store) close() { s.cl.Close() }

// op is one caller's part of a group commit. prepare runs in the writer's
// goroutine, in submission order, and says what to write; done runs there
// after the transaction, with its outcome: in submission order after a
// commit, in reverse order after a failure, so that nonces handed out by
// prepare are given back newest first.
type op struct {
	prepare func() ([]*State, []Receipt, error)
	done    func(error)
	result  chan error
}

// writer batches the ops waiting when a transaction starts into that
// transaction: with many concurrent requests, one commit carries many.
type writer struct {
	st  *store
	ops chan *op
}

const maxBatch = 2000

func (w *writer) run(ctx context.Context) error {
	for {
		var batch []*op
		select {
		case <-ctx.Done():
			return nil
		case o := <-w.ops:
			batch = append(batch, o)
		}
	drain:
		for len(batch) < maxBatch {
			select {
			case o := <-w.ops:
				batch = append(batch, o)
			default:
				break drain
			}
		}
		if err := w.commit(ctx, batch); err != nil {
			return err
		}
	}
}

func (w *writer) commit(ctx context.Context, batch []*op) error {
	var states []*State
	var receipts []Receipt
	errs := make([]error, len(batch))
	for i, o := range batch {
		if o.prepare == nil {
			continue
		}
		s, r, err := o.prepare()
		errs[i] = err
		states, receipts = append(states, s...), append(receipts, r...)
	}
	werr := w.st.write(ctx, states, receipts)
	for k := range batch {
		// In order when committed: a sender never sees nonce n+1
		// accepted before n (it would sign n+1 first, and with its
		// in-flight slots full of nonces above n, never sign n). In
		// reverse when not: nonces are given back newest first.
		i := k
		if werr != nil {
			i = len(batch) - 1 - k
		}
		o := batch[i]
		if o.done != nil && errs[i] == nil {
			o.done(werr)
		}
		o.result <- errors.Join(errs[i], werr)
	}
	if werr != nil {
		return fmt.Errorf("%w (the gateway stops; a restart reloads its state from Kafka)", werr)
	}
	return nil
}

// do submits o and waits for its transaction.
func (w *writer) do(ctx context.Context, stopped <-chan struct{}, o *op) error {
	o.result = make(chan error, 1)
	select {
	case w.ops <- o:
	case <-ctx.Done():
		return ctx.Err()
	case <-stopped:
		return errStopped
	}
	select {
	case err := <-o.result:
		return err
	case <-stopped:
		// The writer may still finish it; either way the caller cannot
		// know, as with any crash.
		return errStopped
	}
}
