package seal

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/mod/sumdb/note"

	"github.com/chaintap/chaintap/kafka"
)

// ReadCheckpoints returns topic's checkpoints from CheckpointsTopic, in
// the order they were written.
func ReadCheckpoints(ctx context.Context, kcfg kafka.Config, topic string) ([]RawCheckpoint, error) {
	var out []RawCheckpoint
	err := kafka.ReadTopic(ctx, kcfg, CheckpointsTopic, 0, func(r *kgo.Record) error {
		if string(r.Key) == topic {
			out = append(out, RawCheckpoint{Offset: r.Offset, Note: r.Value})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the checkpoints of %s: %w", topic, err)
	}
	return out, nil
}

// NoTopicError: the topic to verify or prove does not exist.
type NoTopicError struct{ Topic string }

func (e *NoTopicError) Error() string { return fmt.Sprintf("topic %s does not exist", e.Topic) }

// endOffsets lists topic's partitions and their end offsets.
func endOffsets(ctx context.Context, kcfg kafka.Config, topic string) (map[int32]int64, error) {
	cl, err := kcfg.NewClient(kgo.DisableClientMetrics())
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	ends, err := kadm.NewClient(cl).ListEndOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if errors.Is(err, kerr.UnknownTopicOrPartition) {
		return nil, &NoTopicError{Topic: topic}
	}
	if err != nil {
		return nil, fmt.Errorf("listing the partitions of %s: %w", topic, err)
	}
	out := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) { out[o.Partition] = o.Offset })
	return out, nil
}

// VerifyOptions tune VerifyTopic.
type VerifyOptions struct {
	// Strict fails on records no checkpoint covers yet.
	Strict bool
	// Progress, when set, is called as records are read with the count so
	// far and the topic's end offsets summed (an upper bound).
	Progress func(done, total int64)
	// Partition and Keep, when Keep is set, limit the read to one
	// partition and hand Keep every record of it (prove uses this).
	Partition int32
	Keep      func(*kgo.Record)
}

// VerifyTopic reads topic and its checkpoints and verifies them. A
// tampering is a *TamperError; a topic never sealed a *NotSealedError; a
// checkpoint by a key not in keys an *UnknownKeyError.
func VerifyTopic(ctx context.Context, kcfg kafka.Config, topic string, keys note.Verifiers, opt VerifyOptions) ([]Result, error) {
	ends, err := endOffsets(ctx, kcfg, topic)
	if err != nil {
		return nil, err
	}
	var total, done int64
	parts := map[int32]*Partition{}
	for p, end := range ends {
		if opt.Keep == nil || p == opt.Partition {
			parts[p] = &Partition{Topic: topic, Partition: p, Strict: opt.Strict}
			total += end
		}
	}
	read := map[int32]int64{}
	for p := range parts {
		read[p] = ends[p]
	}
	err = scan(ctx, kcfg, topic, read, func(r *kgo.Record) {
		parts[r.Partition].Add(r)
		if opt.Keep != nil {
			opt.Keep(r)
		}
		if done++; opt.Progress != nil && done%1024 == 0 {
			opt.Progress(done, total)
		}
	})
	if err != nil {
		return nil, err
	}
	if opt.Progress != nil {
		opt.Progress(done, done)
	}
	raw, err := ReadCheckpoints(ctx, kcfg, topic)
	if err != nil {
		return nil, err
	}
	if opt.Keep != nil {
		raw = onlyPartition(raw, topic, opt.Partition)
	}
	return Topic(topic, parts, raw, keys)
}

// onlyPartition keeps the checkpoints of one partition (unparsable ones
// too: opening them reports them).
func onlyPartition(raw []RawCheckpoint, topic string, p int32) []RawCheckpoint {
	var out []RawCheckpoint
	for _, r := range raw {
		c, err := peekCheckpoint(r.Note)
		if err != nil || c.Partition == p {
			out = append(out, r)
		}
	}
	return out
}

// peekCheckpoint parses a checkpoint without checking its signature: for
// the sealer's own bookkeeping and filtering, never for trust.
func peekCheckpoint(msg []byte) (Checkpoint, error) {
	_, err := note.Open(msg, note.VerifierList())
	var u *note.UnverifiedNoteError
	if !errors.As(err, &u) {
		return Checkpoint{}, fmt.Errorf("not a signed note: %w", err)
	}
	return parseBody(u.Note.Text)
}

// ProveOffset verifies partition p of topic and returns the proof of the
// record at offset.
func ProveOffset(ctx context.Context, kcfg kafka.Config, topic string, p int32, offset int64, keys note.Verifiers) (*Proof, error) {
	var rec *kgo.Record
	opt := VerifyOptions{Partition: p, Keep: func(r *kgo.Record) {
		if r.Offset == offset {
			rec = r
		}
	}}
	res, err := VerifyTopic(ctx, kcfg, topic, keys, opt)
	if err != nil {
		return nil, err
	}
	if rec == nil || len(res) == 0 {
		return nil, fmt.Errorf("%s partition %d has no record at offset %d", topic, p, offset)
	}
	raw, err := ReadCheckpoints(ctx, kcfg, topic)
	if err != nil {
		return nil, err
	}
	cps, err := OpenCheckpoints(topic, onlyPartition(raw, topic, p), keys)
	if err != nil {
		return nil, err
	}
	return Prove(rec, res[0], cps[p])
}
