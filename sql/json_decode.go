package sql

import (
	"encoding/base64"
	"fmt"
	"hash/maphash"
	"math"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// DecodeError is a record whose value cannot be decoded for its schema: a
// malformed document, or a field whose JSON does not match the column's
// declared type. The runtime routes such records to an errors topic.
type DecodeError struct {
	Column   string // the column (dotted path into STRUCTs and arrays), "" for malformed JSON
	Expected string // the declared type
	Found    string // what the document held
	Offset   int    // byte offset in the document
	Msg      string // for malformed documents
}

func (e *DecodeError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("malformed JSON at byte %d: %s", e.Offset, e.Msg)
	}
	return fmt.Sprintf("column '%s': expected %s but found %s", e.Column, e.Expected, e.Found)
}

// RowDecoder decodes JSON values of one schema. Build it once per source;
// it is not safe for concurrent use (it keeps scratch space), so give each
// task its own.
type RowDecoder struct {
	schema  *Schema
	columns map[string]int           // upper-cased name → column index (value columns)
	fields  map[*Type]map[string]int // STRUCT type → upper-cased field → index
	scratch []byte
	// strs caches string values (already boxed as Values) by their bytes,
	// so a value that repeats across records (a chain, a contract, an
	// event name, an address) costs no allocation after its first time.
	// Direct-mapped and bounded: a new string simply replaces its slot's.
	// See caching for when it is made.
	strs     *[internSlots]Value
	nums     *[1 << internNumBits]Value // likewise for BIGINT and TIMESTAMP values, made with strs
	strsSeed maphash.Seed
	nvals    int
	// seen remembers, by member position, the member name of the last
	// document and its column: records of a topic name their members the
	// same way in the same order, and comparing bytes costs less than
	// upper-casing and hashing each name (a quarter of the PostgreSQL
	// sink's decoding).
	seen []seenMember
	path []pathElem // where the value being decoded is, for errors
	// Extra is how many trailing slots each decoded Row has room for
	// (capacity), so the runtime can append pseudo-columns without copying.
	Extra int
}

// NewRowDecoder prepares a decoder for schema's value columns.
func NewRowDecoder(schema *Schema) *RowDecoder {
	d := &RowDecoder{schema: schema, columns: map[string]int{}, fields: map[*Type]map[string]int{}, Extra: numPseudo}
	for i, c := range schema.Columns {
		if !c.Key {
			d.columns[upperASCII(c.Name)] = i
		}
		d.indexStructs(c.Type)
	}
	return d
}

func (d *RowDecoder) indexStructs(t *Type) {
	switch t.Kind {
	case KindStruct:
		if _, done := d.fields[t]; done {
			return
		}
		m := map[string]int{}
		for i, f := range t.Fields {
			m[upperASCII(f.Name)] = i
			d.indexStructs(f.Type)
		}
		d.fields[t] = m
	case KindArray, KindMap:
		d.indexStructs(t.Elem)
	}
}

func upperASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// DecodeJSON decodes one JSON record value for schema. It is a convenience
// over NewRowDecoder for one-off use.
func DecodeJSON(schema *Schema, data []byte) (Row, error) {
	return NewRowDecoder(schema).Decode(data)
}

// Decode decodes a JSON object into a Row of the schema's length: value
// columns are matched by name case-insensitively (as ksqlDB does), missing
// ones are NULL, unknown fields are ignored, key columns are left nil for
// the caller to fill from the record key. The JSON literal null (a
// tombstone) decodes to a nil Row and no error. Numbers are never passed
// through float64 unless the column is DOUBLE; numbers written as JSON
// strings ("12") are accepted for numeric columns.
func (d *RowDecoder) Decode(data []byte) (Row, error) {
	s := jsonScanner{data: data}
	n := len(d.schema.Columns)
	row := make(Row, n, n+d.Extra)
	null, err := d.document(&s, func(idx int, ok bool) error {
		if !ok {
			return s.skipValue()
		}
		col := d.schema.Columns[idx]
		d.path = append(d.path[:0], pathElem{name: col.Name})
		v, err := d.value(&s, col.Type)
		row[idx] = v
		return err
	})
	if err != nil || null {
		return nil, err
	}
	return row, nil
}

// document reads a record value at s: the JSON literal null (null true),
// or an object, calling member for each member positioned at its value
// with the value column the member's name matches (ok false: none);
// nothing may follow.
func (d *RowDecoder) document(s *jsonScanner, member func(idx int, ok bool) error) (null bool, err error) {
	s.skipWS()
	if s.literal("null") {
		if s.skipWS(); s.i != len(s.data) {
			return false, s.malformed("unexpected data after null")
		}
		return true, nil
	}
	if !s.consume('{') {
		return false, s.malformed("expected a JSON object")
	}
	pos := 0
	if err := d.object(s, func(key []byte) error {
		idx, ok := d.column(key, pos)
		pos++
		return member(idx, ok)
	}); err != nil {
		return false, err
	}
	if s.skipWS(); s.i != len(s.data) {
		return false, s.malformed("unexpected data after the object")
	}
	return false, nil
}

type seenMember struct {
	name []byte
	idx  int // -1: no column of that name
}

// column is the value column a member name matches, looked up by the
// member's position in the document (see seen).
func (d *RowDecoder) column(name []byte, pos int) (int, bool) {
	if pos < len(d.seen) && string(d.seen[pos].name) == string(name) {
		return d.seen[pos].idx, d.seen[pos].idx >= 0
	}
	idx, ok := d.columns[string(d.upper(name))]
	if !ok {
		idx = -1
	}
	if pos < len(d.seen) {
		d.seen[pos] = seenMember{name: append(d.seen[pos].name[:0], name...), idx: idx}
	} else if pos == len(d.seen) && pos < maxSeenMembers {
		d.seen = append(d.seen, seenMember{name: append([]byte(nil), name...), idx: idx})
	}
	return idx, ok
}

// maxSeenMembers bounds seen: documents with more members than that look
// the rest up by name.
const maxSeenMembers = 64

// upper upper-cases ASCII letters of key into the scratch buffer.
func (d *RowDecoder) upper(key []byte) []byte {
	d.scratch = d.scratch[:0]
	for _, c := range key {
		if c >= 'a' && c <= 'z' {
			c -= 32
		}
		d.scratch = append(d.scratch, c)
	}
	return d.scratch
}

// object iterates the members of an object whose '{' was consumed; each
// calls fn positioned at the member's value.
func (d *RowDecoder) object(s *jsonScanner, fn func(key []byte) error) error {
	s.skipWS()
	if s.consume('}') {
		return nil
	}
	for {
		s.skipWS()
		key, err := s.stringBytes()
		if err != nil {
			return err
		}
		s.skipWS()
		if !s.consume(':') {
			return s.malformed("expected ':'")
		}
		s.skipWS()
		if err := fn(key); err != nil {
			return err
		}
		s.skipWS()
		if s.consume(',') {
			continue
		}
		if s.consume('}') {
			return nil
		}
		return s.malformed("expected ',' or '}'")
	}
}

// value decodes the JSON value at s as type t; d.path names it in errors.
func (d *RowDecoder) value(s *jsonScanner, t *Type) (Value, error) {
	if s.literal("null") {
		return nil, nil
	}
	if s.i >= len(s.data) {
		return nil, s.malformed("unexpected end of input")
	}
	switch t.Kind {
	case KindString:
		return d.stringValue(s, t)
	case KindInt, KindBigint, KindDouble, KindDecimal, KindTimestamp, KindDate, KindTime:
		return d.number(s, t)
	case KindBoolean:
		return d.boolean(s, t)
	case KindBytes:
		return d.bytesValue(s, t)
	case KindArray:
		return d.array(s, t)
	case KindMap:
		return d.mapValue(s, t)
	case KindStruct:
		return d.structValue(s, t)
	}
	return nil, d.mismatch(t, "a value of an unsupported type", s.i)
}

func (d *RowDecoder) mismatch(t *Type, found string, off int) *DecodeError {
	return &DecodeError{Column: d.pathString(), Expected: t.String(), Found: found, Offset: off}
}

// describeFound describes the JSON value at s (consuming it) for an error.
func describeFound(s *jsonScanner) string {
	start := s.i
	if err := s.skipValue(); err != nil {
		return "malformed JSON"
	}
	raw := string(s.data[start:s.i])
	if len(raw) > 40 {
		raw = raw[:37] + "..."
	}
	switch s.data[start] {
	case '"':
		return "string " + raw
	case '{':
		return "object " + raw
	case '[':
		return "array " + raw
	case 't', 'f':
		return "boolean " + raw
	}
	return "number " + raw
}

func (d *RowDecoder) stringValue(s *jsonScanner, t *Type) (Value, error) {
	if s.data[s.i] == '"' {
		b, err := s.stringBytes()
		if err != nil {
			return nil, err
		}
		return d.intern(b), nil
	}
	// ksqlDB hands nested JSON ('{', '[') and any other JSON value to a
	// STRING column as its text.
	start := s.i
	if err := s.skipValue(); err != nil {
		return nil, err
	}
	return d.intern(s.data[start:s.i]), nil
}

const (
	internSlots   = 1024 // a power of two
	internMaxLen  = 128  // longer strings are not cached
	internAfter   = 256  // values decoded before the caches are made
	internNumBits = 8    // BIGINT and TIMESTAMP values cached: 1<<internNumBits
)

// intern returns b as a string Value, reusing the one from an earlier
// record when the same bytes were decoded recently. Strings are immutable,
// so rows may share them.
func (d *RowDecoder) intern(b []byte) Value {
	if len(b) > internMaxLen {
		return string(b)
	}
	if !d.caching() {
		return string(b)
	}
	slot := &d.strs[maphash.Bytes(d.strsSeed, b)&(internSlots-1)]
	if v, ok := (*slot).(string); ok && v == string(b) {
		return *slot
	}
	var v Value = string(b)
	*slot = v
	return v
}

// caching reports whether the value caches are in use, making them once
// the decoder has decoded internAfter cacheable values: a one-off decoder
// does not pay for them.
func (d *RowDecoder) caching() bool {
	if d.strs != nil {
		return true
	}
	if d.nvals++; d.nvals < internAfter {
		return false
	}
	d.strs, d.strsSeed, d.nums = new([internSlots]Value), maphash.MakeSeed(), new([1 << internNumBits]Value)
	return true
}

// boxNumber returns n as a Value, reusing the one from an earlier record
// when the same number of the same type was decoded recently (a block
// number, a block's timestamp), as intern does for strings.
func boxNumber[T int64 | Timestamp](d *RowDecoder, n T) Value {
	if !d.caching() {
		return n
	}
	slot := &d.nums[uint64(n)*0x9E3779B97F4A7C15>>(64-internNumBits)]
	if v, ok := (*slot).(T); ok && v == n {
		return *slot
	}
	var v Value = n
	*slot = v
	return v
}

// pathElem is one step of the path naming the value being decoded, for
// errors: a column, then STRUCT fields, array indexes and MAP keys. The
// decoder keeps the steps on a stack and only formats them when a value
// does not decode, so decoding nested values costs no allocation.
type pathElem struct {
	name  string
	index int
	kind  byte
}

const (
	pathColumn = iota
	pathField
	pathIndex
	pathKey
)

func (d *RowDecoder) pathString() string {
	var b []byte
	for _, e := range d.path {
		switch e.kind {
		case pathField:
			b = append(append(b, "->"...), e.name...)
		case pathIndex:
			b = append(strconv.AppendInt(append(b, '['), int64(e.index), 10), ']')
		case pathKey:
			b = append(append(append(b, "['"...), e.name...), "']"...)
		default:
			b = append(b[:0], e.name...)
		}
	}
	return string(b)
}

// numberText returns the text of a JSON number or of a string holding one.
func (s *jsonScanner) numberText() ([]byte, bool, error) {
	if s.data[s.i] == '"' {
		b, err := s.stringBytes()
		return b, true, err
	}
	start := s.i
	for s.i < len(s.data) && isNumberByte(s.data[s.i]) {
		s.i++
	}
	if s.i == start {
		return nil, false, nil
	}
	return s.data[start:s.i], false, nil
}

func isNumberByte(c byte) bool {
	return c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

func (d *RowDecoder) number(s *jsonScanner, t *Type) (Value, error) {
	start := s.i
	text, quoted, err := s.numberText()
	if err != nil {
		return nil, err
	}
	if text == nil {
		s.i = start
		return nil, d.mismatch(t, describeFound(s), start)
	}
	bad := func() (Value, error) {
		found := "number " + string(text)
		if quoted {
			found = "string \"" + string(text) + "\""
		}
		return nil, d.mismatch(t, found, start)
	}
	switch t.Kind {
	case KindInt, KindDate, KindTime:
		n, ok := ParseInt64(text)
		if !ok || n != int64(int32(n)) {
			return bad()
		}
		switch t.Kind {
		case KindDate:
			return Date(n), nil
		case KindTime:
			return Time(n), nil
		}
		return int32(n), nil
	case KindBigint, KindTimestamp:
		n, ok := ParseInt64(text)
		if !ok {
			return bad()
		}
		if t.Kind == KindTimestamp {
			return boxNumber(d, Timestamp(n)), nil
		}
		return boxNumber(d, n), nil
	case KindDouble:
		f, err := strconv.ParseFloat(string(text), 64)
		if err != nil && !math.IsInf(f, 0) {
			return bad()
		}
		return f, nil
	}
	dec, err := ParseDecimal(string(text))
	if err != nil {
		return bad()
	}
	fit, err := dec.Fit(t.Precision, t.Scale)
	if err != nil {
		return nil, &DecodeError{Column: d.pathString(), Expected: t.String(), Found: "number " + string(text) + " (too many digits)", Offset: start}
	}
	return fit, nil
}

// ParseInt64 parses an optionally signed decimal integer without
// allocating, as Decode reads INT, BIGINT and TIMESTAMP values; ok is
// false for anything else or on overflow.
func ParseInt64(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg, b = b[0] == '-', b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	switch {
	case neg && u <= 1<<63:
		return -int64(u), true
	case !neg && u < 1<<63:
		return int64(u), true
	}
	return 0, false
}

func (d *RowDecoder) boolean(s *jsonScanner, t *Type) (Value, error) {
	start := s.i
	switch {
	case s.literal("true"):
		return true, nil
	case s.literal("false"):
		return false, nil
	case s.data[s.i] == '"':
		b, err := s.stringBytes()
		if err != nil {
			return nil, err
		}
		switch string(d.upper(b)) {
		case "TRUE":
			return true, nil
		case "FALSE":
			return false, nil
		}
		return nil, d.mismatch(t, "string \""+string(b)+"\"", start)
	}
	return nil, d.mismatch(t, describeFound(s), start)
}

func (d *RowDecoder) bytesValue(s *jsonScanner, t *Type) (Value, error) {
	start := s.i
	if s.data[s.i] != '"' {
		return nil, d.mismatch(t, describeFound(s), start)
	}
	b, err := s.stringBytes()
	if err != nil {
		return nil, err
	}
	out, err := base64.StdEncoding.DecodeString(string(b))
	if err != nil {
		return nil, d.mismatch(t, "string that is not base64", start)
	}
	return out, nil
}

func (d *RowDecoder) array(s *jsonScanner, t *Type) (Value, error) {
	start := s.i
	if !s.consume('[') {
		return nil, d.mismatch(t, describeFound(s), start)
	}
	out := []Value{}
	s.skipWS()
	if s.consume(']') {
		return out, nil
	}
	for {
		s.skipWS()
		d.path = append(d.path, pathElem{index: len(out), kind: pathIndex})
		v, err := d.value(s, t.Elem)
		d.path = d.path[:len(d.path)-1]
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		s.skipWS()
		if s.consume(',') {
			continue
		}
		if s.consume(']') {
			return out, nil
		}
		return nil, s.malformed("expected ',' or ']'")
	}
}

func (d *RowDecoder) mapValue(s *jsonScanner, t *Type) (Value, error) {
	start := s.i
	if !s.consume('{') {
		return nil, d.mismatch(t, describeFound(s), start)
	}
	out := map[string]Value{}
	err := d.object(s, func(key []byte) error {
		k := string(key)
		d.path = append(d.path, pathElem{name: k, kind: pathKey})
		v, err := d.value(s, t.Elem)
		d.path = d.path[:len(d.path)-1]
		out[k] = v
		return err
	})
	return out, err
}

func (d *RowDecoder) structValue(s *jsonScanner, t *Type) (Value, error) {
	start := s.i
	if !s.consume('{') {
		return nil, d.mismatch(t, describeFound(s), start)
	}
	idx := d.fields[t]
	out := make(Struct, len(t.Fields))
	err := d.object(s, func(key []byte) error {
		i, ok := idx[string(d.upper(key))]
		if !ok {
			return s.skipValue()
		}
		f := t.Fields[i]
		d.path = append(d.path, pathElem{name: f.Name, kind: pathField})
		v, err := d.value(s, f.Type)
		d.path = d.path[:len(d.path)-1]
		out[i] = v
		return err
	})
	return out, err
}

// jsonScanner is a minimal JSON reader over a byte slice.
type jsonScanner struct {
	data []byte
	i    int
}

func (s *jsonScanner) malformed(msg string) *DecodeError {
	return &DecodeError{Offset: s.i, Msg: msg}
}

func (s *jsonScanner) skipWS() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *jsonScanner) consume(c byte) bool {
	if s.i < len(s.data) && s.data[s.i] == c {
		s.i++
		return true
	}
	return false
}

func (s *jsonScanner) literal(lit string) bool {
	if len(s.data)-s.i >= len(lit) && string(s.data[s.i:s.i+len(lit)]) == lit {
		s.i += len(lit)
		return true
	}
	return false
}

// stringBytes reads a JSON string. Without escapes it returns a sub-slice
// of the input (no copy); callers convert to string when they keep it.
func (s *jsonScanner) stringBytes() ([]byte, error) {
	if !s.consume('"') {
		return nil, s.malformed("expected a string")
	}
	start := s.i
	high := false
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == '"':
			s.i++
			if b := s.data[start : s.i-1]; high && !utf8.Valid(b) {
				return fixUTF8(nil, b), nil
			}
			return s.data[start : s.i-1], nil
		case c >= utf8.RuneSelf:
			high = true
		case c == '\\':
			return s.escapedString(start)
		case c < 0x20:
			return nil, s.malformed("control character in string")
		}
		s.i++
	}
	return nil, s.malformed("unterminated string")
}

func (s *jsonScanner) escapedString(start int) ([]byte, error) {
	out := append([]byte(nil), s.data[start:s.i]...)
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == '"':
			s.i++
			return out, nil
		case c == '\\':
			if s.i+1 >= len(s.data) {
				return nil, s.malformed("unterminated escape")
			}
			e := s.data[s.i+1]
			s.i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, e)
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, err := s.unicodeEscape()
				if err != nil {
					return nil, err
				}
				out = utf8.AppendRune(out, r)
			default:
				return nil, s.malformed("invalid escape")
			}
		case c < 0x20:
			return nil, s.malformed("control character in string")
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRune(s.data[s.i:])
			out = utf8.AppendRune(out, r) // invalid bytes become U+FFFD, one each
			s.i += size
		default:
			out = append(out, c)
			s.i++
		}
	}
	return nil, s.malformed("unterminated string")
}

// fixUTF8 appends b with each invalid byte replaced by U+FFFD, as
// encoding/json does (and as the encoder writes it back).
func fixUTF8(dst, b []byte) []byte {
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		dst = utf8.AppendRune(dst, r)
		b = b[size:]
	}
	return dst
}

func (s *jsonScanner) hex4() (rune, bool) {
	if s.i+4 > len(s.data) {
		return 0, false
	}
	v, err := strconv.ParseUint(string(s.data[s.i:s.i+4]), 16, 32)
	if err != nil {
		return 0, false
	}
	s.i += 4
	return rune(v), true
}

func (s *jsonScanner) unicodeEscape() (rune, error) {
	r, ok := s.hex4()
	if !ok {
		return 0, s.malformed("invalid \\u escape")
	}
	if utf16.IsSurrogate(r) && s.i+6 <= len(s.data) && s.data[s.i] == '\\' && s.data[s.i+1] == 'u' {
		s.i += 2
		r2, ok := s.hex4()
		if !ok {
			return 0, s.malformed("invalid \\u escape")
		}
		return utf16.DecodeRune(r, r2), nil
	}
	return r, nil
}

// skipValue skips one JSON value, checking its syntax.
func (s *jsonScanner) skipValue() error {
	s.skipWS()
	if s.i >= len(s.data) {
		return s.malformed("unexpected end of input")
	}
	switch c := s.data[s.i]; {
	case c == '"':
		_, err := s.stringBytes()
		return err
	case c == '{' || c == '[':
		return s.skipContainer()
	case s.literal("true"), s.literal("false"), s.literal("null"):
		return nil
	case c == '-' || c >= '0' && c <= '9':
		start := s.i
		for s.i < len(s.data) && isNumberByte(s.data[s.i]) {
			s.i++
		}
		if _, err := strconv.ParseFloat(string(s.data[start:s.i]), 64); err != nil && !isRangeErr(err) {
			return s.malformed("invalid number")
		}
		return nil
	}
	return s.malformed(fmt.Sprintf("unexpected character %q", s.data[s.i]))
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func (s *jsonScanner) skipContainer() error {
	closeCh := byte('}')
	if s.data[s.i] == '[' {
		closeCh = ']'
	}
	s.i++
	s.skipWS()
	if s.consume(closeCh) {
		return nil
	}
	for {
		s.skipWS()
		if closeCh == '}' {
			if _, err := s.stringBytes(); err != nil {
				return err
			}
			s.skipWS()
			if !s.consume(':') {
				return s.malformed("expected ':'")
			}
		}
		if err := s.skipValue(); err != nil {
			return err
		}
		s.skipWS()
		if s.consume(',') {
			continue
		}
		if s.consume(closeCh) {
			return nil
		}
		return s.malformed("expected ',' or closing bracket")
	}
}
