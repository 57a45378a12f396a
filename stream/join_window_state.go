package stream

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/chaintap/chaintap/sql"
)

// The state of a stream–stream join, per task (see the prefix constants
// in join_pair.go):
//
//	b side kid time id       the buffer a new record of the other side
//	                         searches: live records by join key and time
//	                         (the record itself is under i)
//	i side id                each record still to be accounted for (a
//	                         windowRecord): live ones, and closed ones of
//	                         retractable inputs
//	m side id other          the records a record joined with, both ways
//	x side expiry id         when each live record's window closes
//	s                        the stream time
//
// A record leaves the buffer and the expiry index when its window closes.
// On inputs that cannot be retracted it leaves entirely then (nothing can
// undo what it did), so state is bounded by the window plus grace. On
// retractable inputs its record and matches stay, as every stage's
// remembered contributions do, so that a reorg can still undo them.

// windowRecord is one stream record of a join side.
type windowRecord struct {
	side   int
	id     []byte
	ts     int64 // event time, ms
	seq    int64 // position
	kid    []byte
	row    sql.Row // the side's scan row
	closed bool    // its window closed
}

var errCorruptJoin = errors.New("corrupt stream-stream join state")

func (w *windowRecord) encode() []byte {
	v := binary.AppendVarint(nil, w.ts)
	v = binary.AppendVarint(v, w.seq)
	flag := byte(0)
	if w.closed {
		flag = 1
	}
	v = append(v, flag)
	v = binary.AppendUvarint(v, uint64(len(w.kid)))
	v = append(v, w.kid...)
	return sql.AppendRow(v, w.row)
}

func decodeWindowRecord(side int, id, v []byte) (*windowRecord, error) {
	w := &windowRecord{side: side, id: id}
	var n int
	if w.ts, n = binary.Varint(v); n <= 0 {
		return nil, errCorruptJoin
	}
	v = v[n:]
	if w.seq, n = binary.Varint(v); n <= 0 || len(v) <= n {
		return nil, errCorruptJoin
	}
	w.closed, v = v[n] == 1, v[n+1:]
	size, n := binary.Uvarint(v)
	if n <= 0 || uint64(len(v)-n) < size {
		return nil, errCorruptJoin
	}
	if size > 0 {
		w.kid = append([]byte(nil), v[n:n+int(size)]...)
	}
	row, _, err := sql.ReadRow(v[n+int(size):])
	if err != nil {
		return nil, err
	}
	w.row = row
	return w, nil
}

func infoKey(side int, id []byte) []byte {
	return append([]byte{prefixInfo, byte(side)}, id...)
}

func bufferPrefix(side int, kid []byte) []byte {
	return append([]byte{prefixBuffer, byte(side)}, kid...)
}

func bufferKey(w *windowRecord) []byte {
	return append(append(bufferPrefix(w.side, w.kid), be64(w.ts)...), w.id...)
}

func matchPrefix(side int, id []byte) []byte {
	k := binary.AppendUvarint([]byte{prefixMatch, byte(side)}, uint64(len(id)))
	return append(k, id...)
}

func expiryKey(side int, expiry int64, id []byte) []byte {
	return append(append([]byte{prefixExpiry, byte(side)}, be64(expiry)...), id...)
}

// prefixEnd is the first key after every key starting with prefix.
func prefixEnd(prefix []byte) []byte {
	end := append([]byte(nil), prefix...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

func (t *task) loadRecord(st Store, side int, id []byte) (*windowRecord, error) {
	v, ok, err := st.Get(infoKey(side, id))
	if err != nil || !ok {
		return nil, err
	}
	w, err := decodeWindowRecord(side, id, v)
	if err != nil {
		return nil, fmt.Errorf("query %s: join record %q: %w", t.spec.id, id, err)
	}
	return w, nil
}

// storeRecord buffers a new record and schedules its window's close.
func (t *task) storeRecord(st Store, w *windowRecord, expiry int64) error {
	if err := st.Set(infoKey(w.side, w.id), w.encode()); err != nil {
		return err
	}
	if err := st.Set(expiryKey(w.side, expiry, w.id), present()); err != nil {
		return err
	}
	if w.kid == nil {
		return nil // a NULL join key matches nothing: no need to find it
	}
	return st.Set(bufferKey(w), present())
}

// unbuffer takes a record out of the buffer and the expiry index.
func (t *task) unbuffer(st Store, w *windowRecord, expiry int64) error {
	if err := st.Delete(expiryKey(w.side, expiry, w.id)); err != nil {
		return err
	}
	if w.kid == nil {
		return nil
	}
	return st.Delete(bufferKey(w))
}

// addMatch records that two records joined.
func addMatch(st Store, a, b *windowRecord) error {
	if err := st.Set(append(matchPrefix(a.side, a.id), b.id...), present()); err != nil {
		return err
	}
	return st.Set(append(matchPrefix(b.side, b.id), a.id...), present())
}

// matches lists the ids of the records a record joined with.
func matches(st Store, side int, id []byte) ([][]byte, error) {
	prefix := matchPrefix(side, id)
	var out [][]byte
	err := st.Range(prefix, prefixEnd(prefix), func(k, _ []byte) error {
		out = append(out, append([]byte(nil), k[len(prefix):]...))
		return nil
	})
	return out, err
}

// streamTime is the latest event time the task has seen on either side.
func streamTime(st Store) (int64, error) {
	v, ok, err := st.Get([]byte{prefixTime})
	if err != nil || !ok {
		return math.MinInt64, err
	}
	if len(v) != 8 {
		return 0, errCorruptJoin
	}
	return int64(binary.BigEndian.Uint64(v) ^ 1<<63), nil
}

func setStreamTime(st Store, ts int64) error {
	return st.Set([]byte{prefixTime}, be64(ts))
}
