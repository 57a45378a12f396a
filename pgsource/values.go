package pgsource

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/chaintap/chaintap/sql"
)

// The value of a row is a JSON object of all its columns (key columns
// too), named as in PostgreSQL, each converted from PostgreSQL's text
// form (what pgoutput sends and what ::text gives in the snapshot, so
// both paths write the same bytes):
//
//	boolean                        true / false
//	smallint, integer, bigint, oid JSON number
//	real, double precision         JSON number; NaN and ±Infinity as strings
//	numeric                        JSON number with its digits exactly as
//	                               PostgreSQL prints them (never through a
//	                               float); NaN and ±Infinity as strings
//	json, jsonb                    the JSON itself, nested
//	bytea                          base64 string (as ksqlDB writes BYTES)
//	anything else                  JSON string of the text form (text,
//	                               timestamps, dates, uuids, arrays, …)
//	NULL                           null
//
// A column whose value pgoutput did not send (an unchanged TOASTed value
// in an update) is left out of the object.

// textValue is one column's text form; unchanged marks a TOASTed value
// pgoutput did not send.
type textValue struct {
	data      []byte
	null      bool
	unchanged bool
}

// appendValue appends the JSON object of a row.
func (r *relation) appendValue(dst []byte, vals []textValue) ([]byte, error) {
	dst = append(dst, '{')
	first := true
	for i, c := range r.cols {
		v := vals[i]
		if v.unchanged {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = strconv.AppendQuote(dst, c.name)
		dst = append(dst, ':')
		var err error
		if dst, err = appendJSON(dst, c.oid, v); err != nil {
			return nil, fmt.Errorf("%s.%s: %w", r.table, c.name, err)
		}
	}
	return append(dst, '}'), nil
}

func appendJSON(dst []byte, oid uint32, v textValue) ([]byte, error) {
	if v.null {
		return append(dst, "null"...), nil
	}
	s := v.data
	switch oid {
	case oidBool:
		if len(s) == 1 && s[0] == 't' {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case oidInt2, oidInt4, oidInt8, oidOID, oidFloat4, oidFloat8, oidNumeric:
		if isJSONNumber(s) {
			return append(dst, s...), nil
		}
		return appendJSONString(dst, string(s)), nil // NaN, Infinity
	case oidJSON, oidJSONB:
		return append(dst, s...), nil
	case oidBytea:
		b, err := decodeBytea(s)
		if err != nil {
			return nil, err
		}
		return appendJSONString(dst, base64.StdEncoding.EncodeToString(b)), nil
	}
	return appendJSONString(dst, string(s)), nil
}

// isJSONNumber: PostgreSQL prints numbers in a form JSON accepts (an
// optional minus, digits, a fraction, an exponent) except for NaN and the
// infinities; those start with a letter or a sign and a letter.
func isJSONNumber(s []byte) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
	}
	return len(s) > 0 && s[0] >= '0' && s[0] <= '9'
}

// appendJSONString writes s as a JSON string: strconv's Go quoting is not
// JSON (\x escapes), so control bytes are escaped by hand.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c < 0x20:
			dst = append(dst, fmt.Sprintf(`\u%04x`, c)...)
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// decodeBytea decodes bytea's hex output ("\x0a0b"), the default
// bytea_output.
func decodeBytea(s []byte) ([]byte, error) {
	if len(s) < 2 || s[0] != '\\' || s[1] != 'x' {
		return nil, fmt.Errorf("bytea %.20q is not in hex output format (set bytea_output = 'hex')", s)
	}
	return hex.DecodeString(string(s[2:]))
}

// key encodes a row's primary key as the SQL engine encodes table keys.
func (r *relation) key(vals []textValue) ([]byte, error) {
	row := make(sql.Row, len(r.keyIdx))
	for i, ci := range r.keyIdx {
		v, err := sqlValue(r.keyCols[i].Type, vals[ci])
		if err != nil {
			return nil, fmt.Errorf("%s key column %s: %w", r.table, r.keyCols[i].Name, err)
		}
		row[i] = v
	}
	k, err := sql.EncodeKey(r.keyFormat, r.keyCols, row)
	if err != nil {
		return nil, fmt.Errorf("%s key: %w", r.table, err)
	}
	return k, nil
}

// sqlValue parses a key column's text form into its SQL value.
func sqlValue(t *sql.Type, v textValue) (sql.Value, error) {
	if v.null || v.unchanged {
		return nil, nil
	}
	s := string(v.data)
	switch t.Kind {
	case sql.KindBoolean:
		return s == "t", nil
	case sql.KindInt:
		n, err := strconv.ParseInt(s, 10, 32)
		return int32(n), err
	case sql.KindBigint:
		return strconv.ParseInt(s, 10, 64)
	case sql.KindDouble:
		return strconv.ParseFloat(s, 64)
	case sql.KindDecimal:
		return sql.ParseDecimal(s)
	case sql.KindBytes:
		return decodeBytea(v.data)
	}
	return s, nil
}
