package seal

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// txn seals recs and writes the checkpoints that are due, in one
// transaction. On any failure the transaction is aborted and the error
// returned: the in-memory chains are then ahead of Kafka, so the sealer
// must start again (and restore) rather than go on.
func (s *passer) txn(ctx context.Context, recs []*kgo.Record, all bool) error {
	if err := s.prod.BeginTransaction(); err != nil {
		return fmt.Errorf("sealing %s: beginning a transaction: %w", s.cfg.To, err)
	}
	err := s.sealAll(ctx, recs, all)
	if err == nil {
		err = s.prod.EndTransaction(ctx, kgo.TryCommit)
	}
	if err != nil {
		if aerr := s.prod.EndTransaction(context.WithoutCancel(ctx), kgo.TryAbort); aerr != nil {
			s.cfg.Log.Warn("aborting the seal transaction", "err", aerr)
		}
		return fmt.Errorf("sealing %s: %w", s.cfg.To, err)
	}
	for _, c := range s.finished {
		if s.anchors != nil {
			s.anchors.add(c)
		}
	}
	s.finished = s.finished[:0]
	return nil
}

// sealAll seals recs into the open transaction. A partition that reaches
// Every records is checkpointed right there (after a flush: a checkpoint
// names the offset its last record got), so a large poll still gets a
// checkpoint every Every records; the others are checkpointed at the end
// when due.
func (s *passer) sealAll(ctx context.Context, recs []*kgo.Record, all bool) error {
	for _, r := range recs {
		st := s.parts[r.Partition]
		out, err := s.seal(st, r)
		if err != nil {
			return err
		}
		s.prod.Produce(ctx, out, s.produced)
		if st.pending < s.cfg.Every {
			continue
		}
		if err := s.flush(ctx); err != nil {
			return err
		}
		if err := s.checkpoint(ctx, r.Partition); err != nil {
			return err
		}
	}
	// Flushed before the checkpoints, for their offsets, and after them:
	// kgo's EndTransaction does not flush.
	if err := s.flush(ctx); err != nil {
		return err
	}
	due := s.due(all)
	for _, p := range due {
		if err := s.checkpoint(ctx, p); err != nil {
			return err
		}
	}
	if len(due) == 0 {
		return nil
	}
	return s.flush(ctx)
}

// seal returns the sealed copy of input record r.
func (s *passer) seal(st *partState, r *kgo.Record) (*kgo.Record, error) {
	out := &kgo.Record{Topic: s.cfg.To, Partition: r.Partition, Key: r.Key, Value: r.Value, Timestamp: r.Timestamp,
		Headers: append(r.Headers[:len(r.Headers):len(r.Headers)], kgo.RecordHeader{Key: HeaderSource, Value: strconv.AppendInt(nil, r.Offset, 10)})}
	if s.cfg.Cipher != nil {
		if err := s.cfg.Cipher.Encrypt(out); err != nil {
			return nil, err
		}
	}
	st.chain.Seal(out)
	if st.pending == 0 {
		st.since = time.Now()
	}
	st.pending++
	st.next = r.Offset + 1
	return out, nil
}

func (s *passer) flush(ctx context.Context) error {
	if err := s.prod.Flush(ctx); err != nil {
		return err
	}
	return s.prodError()
}

func (s *passer) produced(r *kgo.Record, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if s.prodErr == nil {
			s.prodErr = err
		}
		return
	}
	if st := s.parts[r.Partition]; r.Topic == s.cfg.To && r.Offset > st.last {
		st.last = r.Offset
	}
}

func (s *passer) prodError() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.prodErr
}

// checkpoint writes partition p's checkpoint into the open transaction.
func (s *passer) checkpoint(ctx context.Context, p int32) error {
	st := s.parts[p]
	root, err := st.chain.Root()
	if err != nil {
		return err
	}
	s.mu.Lock()
	last := st.last
	s.mu.Unlock()
	c := Checkpoint{Topic: s.cfg.To, Partition: p, Size: st.chain.Size(), Root: root, LastOffset: last, Head: st.chain.Head()}
	msg, err := c.Sign(s.cfg.Signer)
	if err != nil {
		return err
	}
	c.Signed, c.KeyName, c.KeyHash = msg, s.cfg.Signer.Name(), s.cfg.Signer.KeyHash()
	s.prod.Produce(ctx, &kgo.Record{Topic: CheckpointsTopic, Partition: 0, Key: []byte(s.cfg.To), Value: msg}, s.produced)
	st.pending, st.since = 0, time.Now()
	s.finished = append(s.finished, c)
	return nil
}
