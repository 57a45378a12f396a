package sql

import "errors"

// ErrRepeatedColumn is Fields declining a document that names a column
// twice. Decode takes it (the last value wins) but checks every value
// against the column's type, the overwritten one included, so only Decode
// can say whether the document is valid.
var ErrRepeatedColumn = errors.New("a column is named twice in the document")

// Fields is Decode without decoding the values: it matches a JSON
// object's members to the schema's value columns as Decode does (names
// case-insensitively, unknown members skipped; a column named twice is
// ErrRepeatedColumn) and sets raw[i] to column i's value as its JSON text,
// leaving raw[i] nil for columns the document lacks. raw must have a slot
// per column; the texts alias data.
//
// It is for readers that re-encode values and would only unbox a Row
// again (the PostgreSQL sink's binary COPY). Scalars are not checked: a
// number is the run of number characters, a string its quoted text with
// escapes as written; a reader that does not recognise a text exactly
// falls back to Decode, which reports the column's error. The JSON
// literal null (a tombstone) returns null = true.
func (d *RowDecoder) Fields(data []byte, raw [][]byte) (null bool, err error) {
	clear(raw)
	s := jsonScanner{data: data}
	return d.document(&s, func(idx int, ok bool) error {
		start := s.i
		if err := s.skipRaw(); err != nil {
			return err
		}
		if ok {
			if raw[idx] != nil {
				return ErrRepeatedColumn
			}
			raw[idx] = s.data[start:s.i]
		}
		return nil
	})
}

// skipRaw steps over one JSON value like skipValue, but takes a number as
// its run of number characters without parsing it: Fields' reader parses
// (or rejects) it.
func (s *jsonScanner) skipRaw() error {
	if s.i < len(s.data) && (s.data[s.i] == '-' || s.data[s.i] >= '0' && s.data[s.i] <= '9') {
		for s.i < len(s.data) && isNumberByte(s.data[s.i]) {
			s.i++
		}
		return nil
	}
	return s.skipValue()
}
