package sql

import (
	"encoding/base64"
	"math"
	"sort"
	"strconv"
	"unicode/utf8"
)

// EncodeJSON encodes the value columns of row as a JSON object, with the
// column names as field names (upper case unless declared quoted, as
// ksqlDB writes them). A nil row encodes as the JSON literal null
// (callers write a Kafka tombstone instead).
func EncodeJSON(schema *Schema, row Row) []byte {
	return AppendJSON(nil, schema, row)
}

// AppendJSON is EncodeJSON appending to dst, for buffer reuse.
func AppendJSON(dst []byte, schema *Schema, row Row) []byte {
	if row == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '{')
	first := true
	for i, c := range schema.Columns {
		if c.Key {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendJSONString(dst, c.Name)
		dst = append(dst, ':')
		var v Value
		if i < len(row) {
			v = row[i]
		}
		dst = appendJSONValue(dst, c.Type, v)
	}
	return append(dst, '}')
}

// appendJSONValue writes v (of type t) as ksqlDB's JSON serializer does:
// DECIMAL as a JSON number in plain notation with its scale, DOUBLE as
// Java prints it (non-finite values as strings), TIMESTAMP as epoch
// milliseconds, BYTES as base64.
func appendJSONValue(dst []byte, t *Type, v Value) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		return strconv.AppendBool(dst, x)
	case int32:
		return strconv.AppendInt(dst, int64(x), 10)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return appendJSONString(dst, formatJavaDouble(x))
		}
		return appendJavaDouble(dst, x)
	case Decimal:
		return x.AppendText(dst)
	case string:
		return appendJSONString(dst, x)
	case []byte:
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, x)
		return append(dst, '"')
	case Timestamp:
		return strconv.AppendInt(dst, int64(x), 10)
	case Date:
		return strconv.AppendInt(dst, int64(x), 10)
	case Time:
		return strconv.AppendInt(dst, int64(x), 10)
	case []Value:
		elem := elemType(t)
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONValue(dst, elem, e)
		}
		return append(dst, ']')
	case map[string]Value:
		return appendJSONMap(dst, t, x)
	case Struct:
		return appendJSONStruct(dst, t, x)
	}
	return append(dst, "null"...)
}

// appendJSONMap writes keys sorted so equal maps encode to equal bytes.
func appendJSONMap(dst []byte, t *Type, m map[string]Value) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	elem := elemType(t)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, k)
		dst = append(dst, ':')
		dst = appendJSONValue(dst, elem, m[k])
	}
	return append(dst, '}')
}

// elemType is t's element type; nil when t is nil (a value written
// without its type).
func elemType(t *Type) *Type {
	if t == nil {
		return nil
	}
	return t.Elem
}

func appendJSONStruct(dst []byte, t *Type, s Struct) []byte {
	dst = append(dst, '{')
	for i, v := range s {
		if i > 0 {
			dst = append(dst, ',')
		}
		name, ft := "F"+strconv.Itoa(i), (*Type)(nil)
		if t != nil && i < len(t.Fields) {
			name, ft = t.Fields[i].Name, t.Fields[i].Type
		}
		dst = appendJSONString(dst, name)
		dst = append(dst, ':')
		dst = appendJSONValue(dst, ft, v)
	}
	return append(dst, '}')
}

const hexDigits = "0123456789abcdef"

// appendJSONString quotes s, escaping only what JSON requires (as Jackson).
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				dst = append(dst, s[start:i]...)
				dst = append(dst, `\ufffd`...)
				i += size
				start = i
				continue
			}
			i += size
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		i++
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// AppendJSONValue appends v, of type t, as ksqlDB's JSON serializer
// writes it (see appendJSONValue): for rows sent to clients.
func AppendJSONValue(dst []byte, t *Type, v Value) []byte { return appendJSONValue(dst, t, v) }
