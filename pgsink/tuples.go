package pgsink

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/sql"
)

// tuples is a batch's rows as COPY binary tuples, encoded as the records
// are decoded, in one buffer: the COPY then streams that buffer as it is.
// A later record of a key encodes its tuple at the end; the earlier bytes
// stay as dead space that the copy skips.
type tuples struct {
	buf   []byte
	spans []span // index → its tuple in buf; end 0: none (a tombstone)
}

type span struct{ start, end int }

func newTuples(n int) tuples {
	return tuples{buf: make([]byte, 0, n*64), spans: make([]span, 0, n)}
}

func (t *tuples) reset() { t.buf, t.spans = t.buf[:0], t.spans[:0] }

// grow adds an index, a tombstone until put.
func (t *tuples) grow()           { t.spans = append(t.spans, span{}) }
func (t *tuples) live(i int) bool { return t.spans[i].end > 0 }

// copyHeader and copyTrailer frame COPY's binary format: signature,
// flags, header extension length; the field count -1.
var (
	copyHeader  = []byte("PGCOPY\n\xff\r\n\x00\x00\x00\x00\x00\x00\x00\x00\x00")
	copyTrailer = []byte{0xff, 0xff}
)

// reader streams the COPY data: header, the live tuples (adjacent ones
// as one piece, so a batch without repeated keys is one), trailer.
func (t *tuples) reader() io.Reader { return &tupleReader{t: t, rest: copyHeader} }

type tupleReader struct {
	t       *tuples
	next    int // next span to send
	rest    []byte
	trailed bool
}

func (r *tupleReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.rest) == 0 && !r.nextPiece() {
			if n == 0 {
				return 0, io.EOF
			}
			break
		}
		c := copy(p[n:], r.rest)
		r.rest, n = r.rest[c:], n+c
	}
	return n, nil
}

// nextPiece sets rest to the next live tuples that lie end to end in the
// buffer, or to the trailer after the last; false once that is sent.
func (r *tupleReader) nextPiece() bool {
	spans := r.t.spans
	for r.next < len(spans) && spans[r.next].end == 0 {
		r.next++
	}
	if r.next == len(spans) {
		if r.trailed {
			return false
		}
		r.rest, r.trailed = copyTrailer, true
		return true
	}
	start, end := spans[r.next].start, spans[r.next].end
	for r.next++; r.next < len(spans) && spans[r.next].start == end && spans[r.next].end > 0; r.next++ {
		end = spans[r.next].end
	}
	r.rest = r.t.buf[start:end]
	return true
}

// tupleEncoder encodes records as COPY tuples for a table whose column
// types are PGType's: value columns through fastField when their JSON is
// plain, key columns from the record key, anything else through the
// decoder's Values and appendField.
type tupleEncoder struct {
	d       *decoder
	raw     [][]byte // per column: its JSON text in the record (Fields)
	rawKey  bool     // the record key's bytes are the one key column's field
	scratch []byte
}

func newTupleEncoder(d *decoder) *tupleEncoder {
	e := &tupleEncoder{d: d, raw: make([][]byte, len(d.cols))}
	if keys := d.src.KeyColumns(); len(keys) == 1 && d.src.KeyFormat == sql.FormatKafka {
		switch keys[0].Type.Kind {
		case sql.KindString, sql.KindBytes, sql.KindInt, sql.KindBigint, sql.KindDouble:
			// Kafka's serializers write these as PostgreSQL's binary
			// COPY does: the bytes, or big-endian 4 and 8 bytes.
			e.rawKey = true
		}
	}
	return e
}

// put encodes r as index i's tuple (nothing for a tombstone) and reports
// whether it is a tombstone (deleted already, or the JSON literal null).
func (e *tupleEncoder) put(t *tuples, i int, r *kgo.Record, deleted bool) (bool, error) {
	t.spans[i] = span{}
	if deleted {
		return true, nil
	}
	start := len(t.buf)
	buf, null, ok := e.fast(t.buf, r)
	if !ok {
		row, null2, err := e.d.row(r, false)
		if err != nil {
			return false, err
		}
		if buf, null = buf[:start], null2; !null {
			if buf, err = appendRow(buf, e.d.cols, row); err != nil {
				return false, err
			}
		}
	}
	t.buf = buf
	if null {
		return true, nil
	}
	t.spans[i] = span{start, len(buf)}
	return false, nil
}

// fast appends r's tuple from its JSON text (ok false: not plain, b
// unchanged in length); null reports the JSON literal null.
func (e *tupleEncoder) fast(b []byte, r *kgo.Record) (_ []byte, null, ok bool) {
	null, err := e.d.dec.Fields(r.Value, e.raw)
	if err != nil {
		return b, false, false
	}
	if null {
		return b, true, true
	}
	start := len(b)
	b = binary.BigEndian.AppendUint16(b, uint16(len(e.d.cols)))
	var keys sql.Row
	k := 0
	for i, c := range e.d.cols {
		if !c.Key {
			if b, ok = e.fastField(b, c.Type, e.raw[i]); !ok {
				return b[:start], false, false
			}
			continue
		}
		if e.rawKey {
			if b, ok = appendRawKey(b, c.Type, r.Key); !ok {
				return b[:start], false, false
			}
			continue
		}
		if keys == nil {
			if keys, err = e.d.keyValues(r.Key); err != nil {
				return b[:start], false, false
			}
		}
		if b, err = appendField(b, c.Type, keys[k]); err != nil {
			return b[:start], false, false
		}
		k++
	}
	return b, false, true
}

// appendRawKey appends a KAFKA-format key as its column's field when its
// length is the type's.
func appendRawKey(b []byte, t *sql.Type, key []byte) ([]byte, bool) {
	switch t.Kind {
	case sql.KindInt:
		if len(key) != 4 {
			return b, false
		}
	case sql.KindBigint, sql.KindDouble:
		if len(key) != 8 {
			return b, false
		}
	}
	return append(binary.BigEndian.AppendUint32(b, uint32(len(key))), key...), true
}

// appendRow appends a tuple of decoded values.
func appendRow(b []byte, cols []sql.Column, row []any) ([]byte, error) {
	b = binary.BigEndian.AppendUint16(b, uint16(len(cols)))
	for i, c := range cols {
		var err error
		if b, err = appendField(b, c.Type, row[i]); err != nil {
			return nil, fmt.Errorf("column %s: %w", c.Name, err)
		}
	}
	return b, nil
}
