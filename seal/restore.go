package seal

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/kafka"
)

// restoreTopic replays sealed topic into the chains of its partitions,
// checking every record: a sealer never extends a chain it cannot vouch
// for. part(p) returns partition p's state (an error when the sealer has
// no such partition); each, when set, sees every record once its chain
// has advanced over it (the pass-through reads its input position there).
// Both sealers restore with it: the pass-through and the publisher's.
func restoreTopic(ctx context.Context, kcfg kafka.Config, topic string, part func(int32) (*partState, error), each func(*partState, *kgo.Record) error) error {
	ends, err := endOffsets(ctx, kcfg, topic)
	if err != nil {
		return err
	}
	states := map[int32]*partState{}
	for p := range ends {
		if states[p], err = part(p); err != nil {
			return err
		}
	}
	var bad error
	err = scan(ctx, kcfg, topic, ends, func(r *kgo.Record) {
		if bad == nil {
			bad = resumeRecord(topic, states[r.Partition], r, each)
		}
	})
	if err == nil {
		err = bad
	}
	if err != nil {
		return fmt.Errorf("restoring the seal of %s: %w", topic, err)
	}
	return nil
}

func resumeRecord(topic string, st *partState, r *kgo.Record, each func(*partState, *kgo.Record) error) error {
	if err := st.chain.Resume(r); err != nil {
		return fmt.Errorf("%s partition %d does not verify, refusing to extend it: %w", topic, r.Partition, err)
	}
	st.last = r.Offset
	if each == nil {
		return nil
	}
	return each(st, r)
}

// setPending sets how many of each partition's records no checkpoint
// among raw (topic's) covers yet.
func setPending(topic string, parts map[int32]*partState, raw []RawCheckpoint, log *slog.Logger) {
	covered := map[int32]int64{}
	for _, r := range raw {
		if c, err := peekCheckpoint(r.Note); err == nil && c.Topic == topic && c.Size > covered[c.Partition] {
			covered[c.Partition] = c.Size
		}
	}
	for p, st := range parts {
		st.pending = st.chain.Size() - covered[p]
		log.Info("seal restored", "topic", topic, "partition", p, "sealed", st.chain.Size(), "pending", st.pending, "next_input_offset", st.next)
	}
}
