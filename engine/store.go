package engine

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/stream"
)

// store is a task's stream.Store. Pebble holds the state as of the last
// transaction that committed, together with the changelog offset that
// state covers (its meta); the overlay holds the open transaction's
// writes. Pebble is written only after Kafka committed (apply), or from
// the changelog itself (restore), so it never holds a write the changelog
// does not: the changelog is the truth and Pebble a cache of a prefix of
// it, which a crash at any point leaves consistent, only older.
type store struct {
	dir   string
	log   *slog.Logger
	cache *pebble.Cache // the engine's block cache, shared; nil: Pebble's own
	db    *pebble.DB
	meta  storeMeta
	ov    overlay
	kbuf  []byte // scratch for Pebble keys
}

var _ stream.Store = (*store)(nil)

// storeMeta says which changelog, up to where, Pebble's state covers.
type storeMeta struct {
	topicID [16]byte // zero: a store that never held state
	next    int64    // the changelog offset to restore from
}

// Pebble's key space: one meta key, then the task's keys behind a prefix
// byte that sorts after it.
const (
	metaKey    = "\x00meta"
	dataPrefix = 0x01
	metaFormat = 1
)

// Pebble sizing. memTableSize bounds a memtable, which Pebble starts at
// 256 KB and doubles per memtable up to it, so a small store stays small.
// It matters because a batch of half of it or more (a transaction's
// writes, a fetch of changelog records being restored) skips the memtable
// and is flushed to an sstable of its own: with 4 MB, a large poll's
// writes were such a batch (the profile showed it), and each made new
// sstables, compactions, and Gets that read cold blocks from disk.
//
// The store runs without Pebble's write-ahead log (as Kafka Streams runs
// RocksDB): the changelog topic is the durable copy, and the changelog
// offset is written in the same batch as the data, so a crash that loses
// the memtables leaves a consistent older store whose offset says where
// to replay the changelog from. Without it, Pebble would preallocate a
// log file of 110% of memTableSize per task: 35 MB of disk each, in a
// demo's working directory. close flushes, so a clean stop replays
// nothing.
const memTableSize = 32 << 20

// openStore opens (creating when missing) the Pebble database in dir. c is
// the block cache to use, shared by the engine's stores (Pebble takes its
// own reference); nil gives the store a small one of its own.
func openStore(dir string, log *slog.Logger, c *pebble.Cache) (*store, error) {
	s := &store{dir: dir, log: log, cache: c}
	if err := s.open(); err != nil {
		return nil, err
	}
	return s, nil
}

func (s *store) open() error {
	opts := &pebble.Options{
		Logger:       pebbleLogger{s.log},
		Cache:        s.cache,
		MemTableSize: memTableSize,
		DisableWAL:   true,
	}
	// Bloom filters on every level: most Gets of a head-view query look
	// up a record's remembered contribution, which a new record does not
	// have; without a filter each such miss reads an index and a data
	// block of every sstable in its way (a fifth of the CPU profile).
	for i := range opts.Levels {
		opts.Levels[i].FilterPolicy = bloom.FilterPolicy(10)
	}
	db, err := pebble.Open(s.dir, opts)
	if err != nil {
		return fmt.Errorf("opening state store %s: %w", s.dir, err)
	}
	s.db = db
	m, err := s.readMeta()
	if err != nil {
		_ = db.Close()
		s.db = nil
		return err
	}
	s.meta = m
	return nil
}

func (s *store) readMeta() (storeMeta, error) {
	v, closer, err := s.db.Get([]byte(metaKey))
	if errors.Is(err, pebble.ErrNotFound) {
		return storeMeta{}, nil
	}
	if err != nil {
		return storeMeta{}, fmt.Errorf("reading the changelog offset of state store %s: %w", s.dir, err)
	}
	defer closer.Close()
	if len(v) != 1+16+8 || v[0] != metaFormat {
		return storeMeta{}, fmt.Errorf("state store %s: meta record of %d bytes, format %d: not ours", s.dir, len(v), v[0])
	}
	var m storeMeta
	copy(m.topicID[:], v[1:17])
	m.next = int64(binary.BigEndian.Uint64(v[17:]))
	return m, nil
}

func (m storeMeta) encode() []byte {
	v := make([]byte, 1+16+8)
	v[0] = metaFormat
	copy(v[1:17], m.topicID[:])
	binary.BigEndian.PutUint64(v[17:], uint64(m.next))
	return v
}

func (s *store) dataKey(key []byte) []byte {
	s.kbuf = append(append(s.kbuf[:0], dataPrefix), key...)
	return s.kbuf
}

// Get implements stream.Store.
func (s *store) Get(key []byte) ([]byte, bool, error) {
	if e, ok := s.ov.get(key); ok {
		return e.value, !e.deleted, nil
	}
	v, closer, err := s.db.Get(s.dataKey(key))
	if errors.Is(err, pebble.ErrNotFound) {
		s.ov.put(key, overlayEntry{deleted: true, absent: true})
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading state store %s: %w", s.dir, err)
	}
	out := append([]byte{}, v...)
	return out, true, closer.Close()
}

// Set implements stream.Store. A nil value is an empty one, not a delete.
func (s *store) Set(key, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	e, _ := s.ov.get(key)
	s.ov.put(key, overlayEntry{value: value, absent: e.absent})
	return nil
}

// Delete implements stream.Store.
func (s *store) Delete(key []byte) error {
	e, _ := s.ov.get(key)
	s.ov.put(key, overlayEntry{deleted: true, absent: e.absent})
	return nil
}

// Range implements stream.Store: Pebble's committed state and the
// overlay, merged in key order, the overlay winning.
func (s *store) Range(start, end []byte, fn func(key, value []byte) error) error {
	if end != nil && bytes.Compare(start, end) >= 0 {
		return nil
	}
	upper := []byte{dataPrefix + 1}
	if end != nil {
		upper = append([]byte{dataPrefix}, end...)
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: append([]byte{dataPrefix}, start...), UpperBound: upper})
	if err != nil {
		return fmt.Errorf("ranging over state store %s: %w", s.dir, err)
	}
	err = s.merge(it, s.ov.keysIn(start, end), fn)
	if cerr := it.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("ranging over state store %s: %w", s.dir, cerr)
	}
	return err
}

// merge walks it and the overlay keys ks (both in order) together.
// Pebble's keys and values are copied: fn may keep them (Set may), and
// the iterator reuses its buffers.
func (s *store) merge(it *pebble.Iterator, ks []string, fn func(key, value []byte) error) error {
	valid := it.First()
	for valid || len(ks) > 0 {
		if len(ks) > 0 && (!valid || ks[0] <= string(it.Key()[1:])) {
			k := ks[0]
			ks = ks[1:]
			if valid && k == string(it.Key()[1:]) {
				valid = it.Next()
			}
			e := s.ov.m[k]
			if e.deleted {
				continue
			}
			if err := fn([]byte(k), e.value); err != nil {
				return err
			}
			continue
		}
		v, err := it.ValueAndErr()
		if err != nil {
			return fmt.Errorf("reading state store %s: %w", s.dir, err)
		}
		if err := fn(append([]byte{}, it.Key()[1:]...), append([]byte{}, v...)); err != nil {
			return err
		}
		valid = it.Next()
	}
	return it.Error()
}

// changelogRecords returns the open transaction's writes as changelog
// records for partition p, in key order: a value, or a tombstone for a
// delete.
func (s *store) changelogRecords(topic string, p int32) []*kgo.Record {
	ks := s.ov.keys()
	rs := make([]*kgo.Record, 0, len(ks))
	for _, k := range ks {
		e := s.ov.m[k]
		if e.void() {
			continue
		}
		r := &kgo.Record{Topic: topic, Partition: p, Key: append([]byte{}, k...)}
		if !e.deleted {
			r.Value = e.value
		}
		rs = append(rs, r)
	}
	return rs
}

// dirty reports whether the open transaction wrote anything: whether it
// has changelog records.
func (s *store) dirty() bool {
	for _, e := range s.ov.m {
		if !e.void() {
			return true
		}
	}
	return false
}

// discard drops the open transaction's writes (it aborted), or the misses
// remembered by a transaction that wrote nothing.
func (s *store) discard() { s.ov.reset() }

// applyCommitted writes the committed transaction's writes to Pebble in
// one batch with next, the changelog offset past them.
//
// The batch is not synced: the changelog is the durable copy. A batch is
// atomic in Pebble's log, so a machine crash leaves Pebble at an earlier
// batch with that batch's offset, and restoring replays the rest.
func (s *store) applyCommitted(next int64) error {
	size := batchMetaSize
	for k, e := range s.ov.m {
		size += batchEntrySize(len(k), len(e.value))
	}
	b := s.db.NewBatchWithSize(size)
	defer b.Close()
	for k, e := range s.ov.m {
		var err error
		if e.void() {
			continue
		}
		if e.deleted {
			err = b.Delete(s.dataKey([]byte(k)), nil)
		} else {
			err = b.Set(s.dataKey([]byte(k)), e.value, nil)
		}
		if err != nil {
			return fmt.Errorf("writing state store %s: %w", s.dir, err)
		}
	}
	m := s.meta
	m.next = next
	if err := s.commit(b, m); err != nil {
		return err
	}
	s.ov.reset()
	return nil
}

// applyRestored writes changelog records to Pebble in one batch with next,
// the changelog offset past them.
func (s *store) applyRestored(rs []*kgo.Record, m storeMeta) error {
	size := batchMetaSize
	for _, r := range rs {
		size += batchEntrySize(len(r.Key), len(r.Value))
	}
	b := s.db.NewBatchWithSize(size)
	defer b.Close()
	for _, r := range rs {
		var err error
		if r.Value == nil {
			err = b.Delete(s.dataKey(r.Key), nil)
		} else {
			err = b.Set(s.dataKey(r.Key), r.Value, nil)
		}
		if err != nil {
			return fmt.Errorf("restoring state store %s: %w", s.dir, err)
		}
	}
	return s.commit(b, m)
}

// batchEntrySize bounds the bytes a Set or Delete of a task key of
// keyLen bytes and a value of valueLen takes in a Pebble batch (a kind
// byte, two varint lengths, the prefixed key, the value), so that a batch
// is allocated once at its size instead of growing by doubling and
// copying. batchMetaSize is the batch header and the meta record.
func batchEntrySize(keyLen, valueLen int) int {
	return 1 + 2*binary.MaxVarintLen32 + 1 + keyLen + valueLen
}

var batchMetaSize = 12 + batchEntrySize(len(metaKey)-1, 1+16+8)

func (s *store) commit(b *pebble.Batch, m storeMeta) error {
	if err := b.Set([]byte(metaKey), m.encode(), nil); err != nil {
		return fmt.Errorf("writing state store %s: %w", s.dir, err)
	}
	if err := b.Commit(pebble.NoSync); err != nil {
		return fmt.Errorf("writing state store %s: %w", s.dir, err)
	}
	s.meta = m
	return nil
}

// wipe empties the store: its state cannot be trusted or completed from
// the changelog, which is read again from its start.
func (s *store) wipe() error {
	if err := s.close(); err != nil {
		return err
	}
	if err := os.RemoveAll(s.dir); err != nil {
		return fmt.Errorf("wiping state store %s: %w", s.dir, err)
	}
	return s.open()
}

// close flushes and closes Pebble, dropping any open transaction's
// writes. It is idempotent.
func (s *store) close() error {
	s.ov.reset()
	if s.db == nil {
		return nil
	}
	err := s.db.Flush()
	err = errors.Join(err, s.db.Close())
	s.db = nil
	if err != nil {
		return fmt.Errorf("closing state store %s: %w", s.dir, err)
	}
	return nil
}
