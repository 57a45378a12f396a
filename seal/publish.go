package seal

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/mod/sumdb/note"

	"github.com/chaintap/chaintap/kafka"
)

// PublishConfig configures the sealing of topics a chaintap follower
// publishes (Publishing).
type PublishConfig struct {
	// Topics are the sealed topics, some of the chain's.
	Topics []string
	Signer note.Signer
	// Every and Interval: a partition is checkpointed in the first
	// transaction that begins once Every records were committed since its
	// last checkpoint, or Interval passed since the first of them
	// (defaults 1000 and 5 s); the checkpoint covers every record
	// committed before that transaction. An idle follower writes no
	// transaction, so a checkpoint waits for the next block; a clean stop
	// checkpoints everything (kafka.Publisher.Checkpoint).
	Every    int64
	Interval time.Duration
	Log      *slog.Logger
}

// Publishing is the sealer of a follower's topics, a kafka.Sealer: the
// publisher seals each record of Topics as it produces it, and writes the
// checkpoints that fall due into the same transaction, so records, seals
// and checkpoints commit together or not at all. It is not safe for
// concurrent use: one publisher drives it.
type Publishing struct {
	cfg PublishConfig
	// parts holds each sealed partition's state; nil until Restore and
	// after Aborted.
	parts map[string]map[int32]*partState
	// content finishes prehashed digests (SealPrehashed); hashes are
	// Prehash's, one per fetch worker at a time.
	content *contentHash
	hashes  sync.Pool
}

var _ kafka.Sealer = (*Publishing)(nil)

// NewPublishing returns the sealer of cfg.Topics.
func NewPublishing(cfg PublishConfig) (*Publishing, error) {
	if len(cfg.Topics) == 0 || cfg.Signer == nil {
		return nil, errors.New("sealing a follower's topics needs topics and a signing key")
	}
	if cfg.Every <= 0 {
		cfg.Every = 1000
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	cfg.Topics = slices.Clone(cfg.Topics)
	return &Publishing{cfg: cfg, content: newContentHash()}, nil
}

// Topics implements kafka.Sealer.
func (s *Publishing) Topics() []string { return s.cfg.Topics }

// Restore implements kafka.Sealer: it replays every sealed topic,
// checking each record (a topic holding records it did not seal, or that
// no longer verifies, is refused), and reads how much the checkpoints
// cover.
func (s *Publishing) Restore(ctx context.Context, kcfg kafka.Config) (map[string]int32, error) {
	s.parts = nil
	if err := ensureCheckpointsTopic(ctx, kcfg); err != nil {
		return nil, err
	}
	raw, err := readCheckpointsOf(ctx, kcfg, s.cfg.Topics)
	if err != nil {
		return nil, err
	}
	parts := map[string]map[int32]*partState{}
	counts := map[string]int32{}
	for _, topic := range s.cfg.Topics {
		ps := map[int32]*partState{}
		newPart := func(p int32) (*partState, error) {
			ps[p] = &partState{chain: NewChain(), since: time.Now(), last: -1}
			return ps[p], nil
		}
		if err := restoreTopic(ctx, kcfg, topic, newPart, nil); err != nil {
			return nil, err
		}
		setPending(topic, ps, raw[topic], s.cfg.Log)
		parts[topic], counts[topic] = ps, int32(len(ps))
	}
	s.parts = parts
	return counts, nil
}

// Seal implements kafka.Sealer.
func (s *Publishing) Seal(r *kgo.Record) error {
	st, err := s.part(r.Topic, r.Partition)
	if err != nil {
		return err
	}
	st.chain.Seal(r)
	s.sealed(st, r)
	return nil
}

// sealed counts r, just sealed, as pending a checkpoint.
func (s *Publishing) sealed(st *partState, r *kgo.Record) {
	if st.pending == 0 {
		st.since = time.Now()
	}
	st.pending++
	st.cur = r
}

func (s *Publishing) part(topic string, p int32) (*partState, error) {
	if s.parts == nil {
		return nil, errors.New("the seal is not restored")
	}
	st := s.parts[topic][p]
	if st == nil {
		return nil, fmt.Errorf("%s partition %d is not sealed here (%d partitions restored)", topic, p, len(s.parts[topic]))
	}
	return st, nil
}

// Checkpoints implements kafka.Sealer, in topic and partition order.
func (s *Publishing) Checkpoints(all bool) ([]*kgo.Record, error) {
	var out []*kgo.Record
	for _, topic := range s.cfg.Topics {
		ps := s.parts[topic]
		for _, p := range slices.Sorted(maps.Keys(ps)) {
			st := ps[p]
			if st.pending == 0 || !(all || st.pending >= s.cfg.Every || time.Since(st.since) >= s.cfg.Interval) {
				continue
			}
			r, err := s.checkpoint(topic, p, st)
			if err != nil {
				return nil, err
			}
			out = append(out, r)
		}
	}
	return out, nil
}

// checkpoint signs partition p's checkpoint, of the records committed:
// the publisher asks as a transaction begins.
func (s *Publishing) checkpoint(topic string, p int32, st *partState) (*kgo.Record, error) {
	if st.cur != nil {
		return nil, fmt.Errorf("%s partition %d: a checkpoint asked with records sealed and not committed", topic, p)
	}
	root, err := st.chain.Root()
	if err != nil {
		return nil, err
	}
	c := Checkpoint{Topic: topic, Partition: p, Size: st.chain.Size(), Root: root, LastOffset: st.last, Head: st.chain.Head()}
	msg, err := c.Sign(s.cfg.Signer)
	if err != nil {
		return nil, err
	}
	st.pending, st.since = 0, time.Now()
	return &kgo.Record{Topic: CheckpointsTopic, Partition: 0, Key: []byte(topic), Value: msg}, nil
}

// Committed implements kafka.Sealer.
func (s *Publishing) Committed() {
	for _, ps := range s.parts {
		for _, st := range ps {
			if st.cur != nil {
				st.last, st.cur = st.cur.Offset, nil
			}
		}
	}
}

// Aborted implements kafka.Sealer: the chains are ahead of what was
// committed, so they are dropped until the next Restore.
func (s *Publishing) Aborted() { s.parts = nil }

// ensureCheckpointsTopic creates the checkpoints topic, kept forever:
// checkpoints are small and every proof needs them.
func ensureCheckpointsTopic(ctx context.Context, kcfg kafka.Config) error {
	cl, err := kcfg.NewClient(kgo.DisableClientMetrics())
	if err != nil {
		return err
	}
	defer cl.Close()
	forever := map[string]*string{"retention.ms": kadm.StringPtr("-1"), "cleanup.policy": kadm.StringPtr("delete")}
	return kafka.CreateTopic(ctx, kadm.NewClient(cl), 1, -1, forever, CheckpointsTopic)
}

// readCheckpointsOf reads the checkpoints of topics in one pass, by topic.
func readCheckpointsOf(ctx context.Context, kcfg kafka.Config, topics []string) (map[string][]RawCheckpoint, error) {
	out := map[string][]RawCheckpoint{}
	for _, t := range topics {
		out[t] = nil
	}
	err := kafka.ReadTopic(ctx, kcfg, CheckpointsTopic, 0, func(r *kgo.Record) error {
		if cps, ok := out[string(r.Key)]; ok {
			out[string(r.Key)] = append(cps, RawCheckpoint{Offset: r.Offset, Note: r.Value})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the checkpoints: %w", err)
	}
	return out, nil
}
