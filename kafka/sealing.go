package kafka

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"
)

// Sealer seals the records a Publisher produces into some of its topics,
// inside the publisher's transactions (package seal implements it; kafka
// cannot import seal, which imports kafka).
//
// The publisher calls it from one goroutine at a time, in this order:
// Restore after every connect (a fresh producer has aborted whatever
// transaction an earlier one left open, so Restore reads what was
// committed); then, per transaction, Checkpoints as the transaction
// begins (its checkpoints cover what earlier transactions committed, whose
// offsets are known), Seal for each record of a sealed topic in the order
// produced, and Committed or Aborted. After Aborted (which also follows a
// commit whose outcome is unknown) the sealer holds nothing until the next
// Restore: seal numbers, not offsets, carry a chain, so aborted records
// leave no gap once it restarts from what was committed.
type Sealer interface {
	// Topics lists the topics it seals.
	Topics() []string
	// Restore reads back the chain of every partition of the sealed
	// topics, and returns each topic's partition count.
	Restore(ctx context.Context, cfg Config) (map[string]int32, error)
	// Seal adds the seal headers to r, whose Topic is sealed and whose
	// Partition is set.
	Seal(r *kgo.Record) error
	// Checkpoints returns the checkpoints that are due (with all, one for
	// every partition with records no checkpoint covers) as records to
	// produce into the transaction; they cover the records committed.
	Checkpoints(all bool) ([]*kgo.Record, error)
	Committed()
	Aborted()
}

// Prehasher is implemented by a Sealer that can begin a record's content
// digest ahead: the publisher calls Prehash as it prepares a block (in the
// follower's fetch workers, concurrently: it must be safe for that) for
// each record of a sealed topic, and SealPrehashed instead of Seal when it
// publishes the record, so that only the headers, set then, are hashed on
// the serial path.
type Prehasher interface {
	// Prehash appends to dst the state of a content digest over key and
	// value.
	Prehash(dst, key, value []byte) []byte
	// SealPrehashed is Seal for a record whose key and value pre covers.
	SealPrehashed(r *kgo.Record, pre []byte) error
}

// PublisherOption configures a Publisher.
type PublisherOption func(*Publisher)

// WithSealer seals the records of s.Topics() (which must be the chain's
// topics) as the publisher produces them, and creates those topics never
// compacted and kept forever (a record removed is, to verify, a deleted
// record).
func WithSealer(s Sealer) PublisherOption {
	return func(p *Publisher) {
		z := &sealing{s: s, keyed: map[string]kgo.TopicPartitioner{}, sealed: map[string]bool{}}
		z.pre, _ = s.(Prehasher)
		for _, t := range s.Topics() {
			z.sealed[t] = true
		}
		p.seal = z
		p.cfg.Topics.Sealed = s.Topics()
	}
}

// sealing is the publisher's side of a Sealer: partitions records of
// sealed topics itself (a sealer chains per partition, so it must know
// the partition before the record is produced) and keeps the first
// error of a transaction.
type sealing struct {
	s Sealer
	// pre and sealed never change: Prepare reads them concurrently.
	pre    Prehasher // nil when s is none
	sealed map[string]bool

	parts map[string]int32 // sealed topic → partitions; nil until restored
	// keyed partitions keyed records exactly as franz-go's default
	// partitioner does (Kafka's murmur2 of the key, modulo the
	// partitions), so sealing moves no key to another partition.
	keyed map[string]kgo.TopicPartitioner
	err   error
	// interrupted: the last transaction failed because its context ended
	// (the follower stopping), not because Kafka refused it.
	interrupted bool
}

// errSealLost: a transaction failed, so the seal's state is unknown until
// LoadCursor reconnects and restores it.
var errSealLost = errors.New("the seal's state was dropped with a failed transaction: LoadCursor restores it")

func (z *sealing) restore(ctx context.Context, cfg Config) error {
	parts, err := z.s.Restore(ctx, cfg)
	if err != nil {
		return err
	}
	z.parts = parts
	return nil
}

// ready fails when the seal's state is not restored.
func (z *sealing) ready() error {
	if z.parts == nil {
		return errSealLost
	}
	z.err = nil
	return nil
}

// wrap returns send with the records of sealed topics partitioned and
// sealed on the way; pre is a record's content prehash, or nil.
func (z *sealing) wrap(send func(*kgo.Record)) func(*kgo.Record, []byte) {
	return func(r *kgo.Record, pre []byte) {
		n, ok := z.parts[r.Topic]
		if !ok {
			send(r)
			return
		}
		r.Partition = z.partition(r, n)
		var err error
		if pre != nil && z.pre != nil {
			err = z.pre.SealPrehashed(r, pre)
		} else {
			err = z.s.Seal(r)
		}
		if err != nil {
			if z.err == nil {
				z.err = fmt.Errorf("sealing a record of %s: %w", r.Topic, err)
			}
			return
		}
		send(r)
	}
}

// partition is r's partition among n. Every record the publisher writes
// has a key; a record without one would go to partition 0.
func (z *sealing) partition(r *kgo.Record, n int32) int32 {
	if r.Key == nil || n <= 1 {
		return 0
	}
	tp, ok := z.keyed[r.Topic]
	if !ok {
		tp = kgo.StickyKeyPartitioner(nil).ForTopic(r.Topic)
		z.keyed[r.Topic] = tp
	}
	return int32(tp.Partition(r, int(n)))
}

// begin sends the checkpoints that are due (with all, every pending
// one) into the open transaction: they cover what earlier transactions
// committed, whose offsets are known, so no flush waits for them. It
// returns send sealing the records of sealed topics.
func (z *sealing) begin(send func(*kgo.Record), all bool) (func(*kgo.Record, []byte), error) {
	cps, err := z.s.Checkpoints(all)
	if err != nil {
		return nil, fmt.Errorf("checkpointing the seal: %w", err)
	}
	for _, r := range cps {
		send(r)
	}
	return z.wrap(send), nil
}

func (z *sealing) done(ctx context.Context, committed bool) {
	z.interrupted = !committed && ctx.Err() != nil
	if committed {
		z.s.Committed()
		return
	}
	z.parts = nil
	z.s.Aborted()
}

// sealPartitioner honours the partition set on records of sealed topics
// and partitions the others as franz-go does by default.
type sealPartitioner struct {
	sealed map[string]bool
	def    kgo.Partitioner
}

func newSealPartitioner(topics []string) kgo.Partitioner {
	p := sealPartitioner{sealed: map[string]bool{}, def: kgo.UniformBytesPartitioner(64<<10, true, true, nil)}
	for _, t := range topics {
		p.sealed[t] = true
	}
	return p
}

func (p sealPartitioner) ForTopic(t string) kgo.TopicPartitioner {
	if p.sealed[t] {
		return kgo.ManualPartitioner().ForTopic(t)
	}
	return p.def.ForTopic(t)
}

// sealReady fails when sealing is on and its state was dropped: Publish
// must not extend chains it no longer knows the ends of.
func (p *Publisher) sealReady() error {
	if p.seal == nil {
		return nil
	}
	return p.seal.ready()
}

// sealBegin begins sealing a transaction whose records go to send (see
// sealing.begin); without sealing it returns send.
func (p *Publisher) sealBegin(send func(*kgo.Record)) (func(*kgo.Record, []byte), error) {
	if p.seal == nil {
		return func(r *kgo.Record, _ []byte) { send(r) }, nil
	}
	return p.seal.begin(send, false)
}

// sealErr is the first error sealing the transaction's records.
func (p *Publisher) sealErr() error {
	if p.seal == nil {
		return nil
	}
	return p.seal.err
}

// sealDone tells the sealer how the transaction under ctx ended.
func (p *Publisher) sealDone(ctx context.Context, committed bool) {
	if p.seal != nil {
		p.seal.done(ctx, committed)
	}
}

// Checkpoint writes, in a transaction of its own, a checkpoint of every
// sealed partition with records no checkpoint covers yet: what a clean
// stop calls (once no Publish runs), so that a verifier finds none of the
// follower's records unchecked. Without sealing it does nothing. After a
// transaction the stop interrupted it reconnects (restoring the seal from
// what was committed) first; after one that failed otherwise it does
// nothing (the publisher may have been fenced by another instance, which
// it must not fence back): the next start restores the seal and
// checkpoints the rest when due.
func (p *Publisher) Checkpoint(ctx context.Context) error {
	if p.seal == nil || p.cl == nil || (p.broken && !p.seal.interrupted) {
		return nil
	}
	if p.broken {
		p.Close()
		if err := p.connect(ctx); err != nil {
			return fmt.Errorf("reconnecting for the last checkpoints: %w", err)
		}
		p.broken = false
	}
	if err := p.seal.ready(); err != nil {
		return err
	}
	if err := p.cl.BeginTransaction(); err != nil {
		p.broken = true
		p.sealDone(ctx, false)
		return fmt.Errorf("beginning the last checkpoints' transaction: %w", err)
	}
	w := newTxnWriter(ctx, p.cl)
	_, err := p.seal.begin(w.send, true)
	if _, werr := w.wait(); err == nil {
		err = werr
	}
	if err == nil {
		err = p.cl.EndTransaction(ctx, kgo.TryCommit)
	} else if aerr := p.cl.EndTransaction(context.WithoutCancel(ctx), kgo.TryAbort); aerr != nil {
		err = errors.Join(err, fmt.Errorf("aborting: %w", aerr))
	}
	if err != nil {
		p.broken = true
		p.sealDone(ctx, false)
		return fmt.Errorf("writing the last checkpoints: %w", fenced(err))
	}
	p.sealDone(ctx, true)
	return nil
}

// prehashSize is SHA-256's saved state (crypto/sha256's AppendBinary).
const prehashSize = 108

// prehash begins the content digests of e's records of sealed topics
// (Prehasher). A confirmed-view record shares its head-view record's when
// their keys are equal (their values are one). It runs where blocks are
// prepared, concurrently, and reads only what never changes.
func (z *sealing) prehash(e *encoded) {
	if z.pre == nil {
		return
	}
	n := len(e.recs)
	e.pre = make([][]byte, len(e.ready))
	buf := make([]byte, 0, len(e.ready)*prehashSize)
	for i := range e.ready {
		r := &e.ready[i]
		switch {
		case !z.sealed[r.Topic]:
		case i >= n && e.pre[i-n] != nil && bytes.Equal(r.Key, e.ready[i-n].Key):
			e.pre[i] = e.pre[i-n]
		default:
			start := len(buf)
			buf = z.pre.Prehash(buf, r.Key, r.Value)
			e.pre[i] = buf[start:len(buf):len(buf)]
		}
	}
	e.preBytes = cap(buf)
}

// prehashes are the content prehashes of e's records of one view, nil
// when there are none.
func (e *encoded) prehashes(confirmed bool) [][]byte {
	if e.pre == nil {
		return nil
	}
	n := len(e.recs)
	if confirmed {
		return e.pre[n:]
	}
	return e.pre[:n]
}
