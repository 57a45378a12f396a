package seal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/mod/sumdb/note"

	"github.com/chaintap/chaintap/kafka"
)

// HeaderSource holds the input offset of a record sealed by Pass. It is
// covered by the content digest, and it is where Pass resumes after a
// restart: the position is written in the same transaction as the record.
const HeaderSource = HeaderPrefix + "source"

// PassConfig configures a pass-through sealer.
type PassConfig struct {
	Kafka    kafka.Config
	From, To string
	Signer   note.Signer
	// Every and Interval: a partition is checkpointed once Every records
	// are sealed since its last checkpoint, or Interval after the first of
	// them, whichever comes first (defaults 1000 and 5 s).
	Every    int64
	Interval time.Duration
	// Cipher, when set, encrypts values before they are sealed.
	Cipher *Cipher
	// OnCheckpoint, when set, is called with each checkpoint once it is
	// committed (anchoring it on a chain, say), in a goroutine of its own,
	// so that it never stalls sealing. While it runs, only the newest
	// checkpoint of each partition waits (it covers the earlier ones); at
	// a stop those waiting are still passed to it, for up to a minute. An
	// error is logged: the checkpoint stands in Kafka whatever happens to
	// its anchor.
	OnCheckpoint func(context.Context, Checkpoint) error
	Log          *slog.Logger
}

// TransactionalID is the sealer's of topic to: one sealer per sealed
// topic; a second one fences the first.
func TransactionalID(to string) string { return "chaintap-seal-" + to }

// partState is the sealer's state of one partition.
type partState struct {
	chain   *Chain
	next    int64 // input offset to read next
	pending int64 // sealed since the last checkpoint
	since   time.Time
	last    int64 // output offset of the last sealed record
	// cur is the last record sealed in the open transaction, for the
	// publisher's sealer: its offset is known once it is flushed.
	cur *kgo.Record
}

// Pass seals every record of From into To (same partition, same key,
// value and headers, plus the seal), exactly once, until ctx ends; it
// then checkpoints what is pending and returns nil.
func Pass(ctx context.Context, cfg PassConfig) error {
	if cfg.Every <= 0 {
		cfg.Every = 1000
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	s := &passer{cfg: cfg, parts: map[int32]*partState{}}
	if err := s.start(ctx); err != nil {
		return err
	}
	defer s.close()
	if cfg.OnCheckpoint != nil {
		s.anchors = startAnchoring(ctx, cfg.OnCheckpoint, cfg.Log)
		defer s.anchors.close(txnDeadline)
	}
	return s.loop(ctx)
}

type passer struct {
	cfg      PassConfig
	prod     *kgo.Client // transactional
	cons     *kgo.Client
	parts    map[int32]*partState
	mu       sync.Mutex // guards offsets written by produce promises
	prodErr  error
	finished []Checkpoint // committed, for OnCheckpoint
	anchors  *anchorQueue // nil without OnCheckpoint
}

// start creates the topics, fences any earlier sealer (aborting its open
// transaction), restores the chains from the sealed topic and starts
// consuming where the last sealed record's source offset says.
func (s *passer) start(ctx context.Context) error {
	n, err := s.ensureTopics(ctx)
	if err != nil {
		return err
	}
	s.prod, err = s.cfg.Kafka.NewClient(kgo.DisableClientMetrics(),
		kgo.TransactionalID(TransactionalID(s.cfg.To)),
		kgo.TransactionTimeout(time.Minute),
		kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		return err
	}
	if _, _, err := s.prod.ProducerID(ctx); err != nil {
		return fmt.Errorf("initialising the sealer's transactional producer %s (another sealer of %s?): %w", TransactionalID(s.cfg.To), s.cfg.To, err)
	}
	for p := range n {
		s.parts[p] = &partState{chain: NewChain(), since: time.Now(), last: -1}
	}
	if err := s.restore(ctx); err != nil {
		return err
	}
	from := map[int32]kgo.Offset{}
	for p, st := range s.parts {
		from[p] = kgo.NewOffset().At(st.next)
	}
	s.cons, err = s.cfg.Kafka.NewClient(kgo.DisableClientMetrics(),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{s.cfg.From: from}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()))
	return err
}

func (s *passer) close() {
	if s.cons != nil {
		s.cons.Close()
	}
	if s.prod != nil {
		s.prod.Close()
	}
}

// ensureTopics creates To with From's partition count, never compacted
// and kept forever (a record compaction or retention removes is, to
// verify, a deleted record), and the checkpoints topic, kept forever too:
// checkpoints are small and every proof needs them.
func (s *passer) ensureTopics(ctx context.Context) (int32, error) {
	cl, err := s.cfg.Kafka.NewClient(kgo.DisableClientMetrics())
	if err != nil {
		return 0, err
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	td, err := adm.ListTopics(ctx, s.cfg.From)
	if err != nil {
		return 0, fmt.Errorf("looking up %s: %w", s.cfg.From, err)
	}
	t, ok := td[s.cfg.From]
	if !ok || t.Err != nil {
		return 0, &NoTopicError{Topic: s.cfg.From}
	}
	n := int32(len(t.Partitions))
	forever := map[string]*string{"retention.ms": kadm.StringPtr("-1"), "cleanup.policy": kadm.StringPtr("delete")}
	if err := kafka.CreateTopic(ctx, adm, n, -1, forever, s.cfg.To); err != nil {
		return 0, err
	}
	if err := kafka.CreateTopic(ctx, adm, 1, -1, forever, CheckpointsTopic); err != nil {
		return 0, err
	}
	return n, nil
}

// restore replays the sealed topic into the chains (checking every
// record: a sealer never extends a chain it cannot vouch for), with each
// partition's input position, and reads how much of it the checkpoints
// cover.
func (s *passer) restore(ctx context.Context) error {
	part := func(p int32) (*partState, error) {
		if st := s.parts[p]; st != nil {
			return st, nil
		}
		return nil, fmt.Errorf("%s has partition %d, %s has fewer", s.cfg.To, p, s.cfg.From)
	}
	if err := restoreTopic(ctx, s.cfg.Kafka, s.cfg.To, part, s.source); err != nil {
		return err
	}
	raw, err := ReadCheckpoints(ctx, s.cfg.Kafka, s.cfg.To)
	if err != nil {
		return err
	}
	setPending(s.cfg.To, s.parts, raw, s.cfg.Log)
	return nil
}

// source sets partition st's input position from r, read back from the
// sealed topic: after its chaintap.seal.source offset.
func (s *passer) source(st *partState, r *kgo.Record) error {
	for _, h := range r.Headers {
		if h.Key == HeaderSource {
			src, err := strconv.ParseInt(string(h.Value), 10, 64)
			if err != nil {
				return fmt.Errorf("%s partition %d offset %d: header %s=%q", s.cfg.To, r.Partition, r.Offset, h.Key, h.Value)
			}
			st.next = src + 1
		}
	}
	return nil
}

// loop seals what each poll returns in one transaction, with the
// checkpoints that fall due.
func (s *passer) loop(ctx context.Context) error {
	for {
		pollCtx, cancel := context.WithTimeout(ctx, min(s.cfg.Interval/2, time.Second))
		fs := s.cons.PollRecords(pollCtx, 10000)
		cancel()
		if ctx.Err() != nil {
			return s.final(context.WithoutCancel(ctx))
		}
		var ferr error
		fs.EachError(func(t string, p int32, err error) {
			if ferr == nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
				ferr = fmt.Errorf("reading %s partition %d: %w", t, p, err)
			}
		})
		if ferr != nil {
			return ferr
		}
		recs := fs.Records()
		if len(recs) == 0 && len(s.due(false)) == 0 {
			continue
		}
		// A stop lets the transaction under way finish (drain), within
		// a deadline, rather than abort it half-sealed.
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), txnDeadline)
		err := s.txn(tctx, recs, false)
		cancel()
		if err != nil {
			return err
		}
	}
}

// txnDeadline bounds one transaction, and one checkpoint's anchoring.
const txnDeadline = time.Minute

// final checkpoints whatever is pending, so a clean stop leaves nothing
// uncovered.
func (s *passer) final(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, txnDeadline)
	defer cancel()
	if len(s.due(true)) == 0 {
		return nil
	}
	return s.txn(ctx, nil, true)
}

// due lists the partitions whose checkpoint is due (all with pending
// records when all is set).
func (s *passer) due(all bool) []int32 {
	var ps []int32
	for p, st := range s.parts {
		if st.pending > 0 && (all || st.pending >= s.cfg.Every || time.Since(st.since) >= s.cfg.Interval) {
			ps = append(ps, p)
		}
	}
	return ps
}
