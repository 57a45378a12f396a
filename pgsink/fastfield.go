package pgsink

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
	"unicode/utf8"

	"github.com/chaintap/chaintap/sql"
)

// fastField appends a value column's COPY field straight from its JSON
// text (sql.RowDecoder.Fields; nil: the column is absent, NULL), without
// boxing a Value on the way: decoding rows into Values and unboxing them
// again was half of the sink's CPU, and its garbage most of the rest.
//
// It recognises only texts whose meaning is plain: null, an integer
// without exponent or quotes for the integer types (read as Decode reads
// them), a number for DOUBLE, true and false, a string
// without escapes in valid UTF-8, a DECIMAL that fits its type without
// rounding. For anything else ok is false and the record goes through
// sql's decoder (which handles every case and reports errors), so both
// paths must write the same bytes for what this one accepts; the
// randomized test in fastfield_test.go checks that against the decoder.
func (e *tupleEncoder) fastField(b []byte, t *sql.Type, raw []byte) ([]byte, bool) {
	if raw == nil || string(raw) == "null" {
		return binary.BigEndian.AppendUint32(b, math.MaxUint32), true // -1: NULL
	}
	switch t.Kind {
	case sql.KindString:
		s, ok := plainString(raw)
		if !ok {
			return b, false
		}
		return append(binary.BigEndian.AppendUint32(b, uint32(len(s))), s...), true
	case sql.KindBoolean:
		switch string(raw) {
		case "true":
			return append(binary.BigEndian.AppendUint32(b, 1), 1), true
		case "false":
			return append(binary.BigEndian.AppendUint32(b, 1), 0), true
		}
		return b, false
	case sql.KindInt, sql.KindDate:
		n, ok := sql.ParseInt64(raw)
		if !ok || n != int64(int32(n)) {
			return b, false
		}
		if t.Kind == sql.KindDate {
			n -= 10957 // days since 2000-01-01, as appendField
		}
		return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(b, 4), uint32(n)), true
	case sql.KindBigint, sql.KindTimestamp:
		n, ok := sql.ParseInt64(raw)
		if !ok {
			return b, false
		}
		if t.Kind == sql.KindTimestamp {
			n = (n - 946684800000) * 1000 // µs since 2000-01-01, as appendField
		}
		return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint32(b, 8), uint64(n)), true
	case sql.KindDouble:
		f, err := strconv.ParseFloat(string(raw), 64)
		if err != nil {
			return b, false
		}
		return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint32(b, 8), math.Float64bits(f)), true
	case sql.KindDecimal:
		text, ok := e.plainDecimal(raw, t.Precision, t.Scale)
		if !ok {
			return b, false
		}
		start := len(b)
		b = appendNumericText(append(b, 0, 0, 0, 0), text)
		binary.BigEndian.PutUint32(b[start:], uint32(len(b)-start-4))
		return b, true
	}
	return b, false
}

// plainString is a JSON string's content when it has no escapes and is
// valid UTF-8 (the decoder would replace invalid bytes).
func plainString(raw []byte) ([]byte, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return nil, false
	}
	s := raw[1 : len(raw)-1]
	high := false
	for _, c := range s {
		switch {
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			high = true
		}
	}
	return s, !high || utf8.Valid(s)
}

// plainDecimal rewrites a plain JSON number (optional minus, digits,
// optional fraction) as DECIMAL(p,s)'s text with exactly s fraction
// digits, as the decoder's Fit and Decimal.AppendText would: leading
// zeros dropped, the fraction padded. A number with more fraction digits
// than s (it needs rounding) or more integer digits than p-s (an
// overflow, an error) is not plain. The text is in e's scratch buffer.
func (e *tupleEncoder) plainDecimal(raw []byte, p, s int) ([]byte, bool) {
	neg := len(raw) > 0 && raw[0] == '-'
	if neg {
		raw = raw[1:]
	}
	intPart, frac := raw, []byte(nil)
	if i := bytes.IndexByte(raw, '.'); i >= 0 {
		intPart, frac = raw[:i], raw[i+1:]
		if len(frac) == 0 {
			return nil, false
		}
	}
	if len(intPart) == 0 || !allDigits(intPart) || !allDigits(frac) || len(frac) > s {
		return nil, false
	}
	for len(intPart) > 1 && intPart[0] == '0' {
		intPart = intPart[1:]
	}
	if len(intPart) > p-s && !(len(intPart) == 1 && intPart[0] == '0') {
		return nil, false
	}
	out := e.scratch[:0]
	if neg {
		out = append(out, '-')
	}
	out = append(out, intPart...)
	if s > 0 {
		out = append(append(out, '.'), frac...)
		for range s - len(frac) {
			out = append(out, '0')
		}
	}
	e.scratch = out
	return out, true
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
