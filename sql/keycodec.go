package sql

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Key formats.
const (
	FormatKafka = "KAFKA" // Kafka's primitive serializers; one key column at most
	FormatJSON  = "JSON"
	FormatNone  = "NONE" // no key columns
)

// KeyError is a record key that cannot be encoded or decoded for its key
// columns.
type KeyError struct {
	Format string
	Msg    string
}

func (e *KeyError) Error() string { return fmt.Sprintf("%s key: %s", e.Format, e.Msg) }

// checkKafkaKeyType reports whether t can be a KAFKA-format key column.
func checkKafkaKeyType(t *Type) error {
	switch t.Kind {
	case KindInt, KindBigint, KindDouble, KindString, KindBytes:
		return nil
	}
	return fmt.Errorf("the KAFKA key format does not support type %s (use KEY_FORMAT='JSON')", t)
}

// EncodeKey serializes key (one value per key column) in format. KAFKA
// writes as Kafka's serializers: STRING as UTF-8, INT 4 bytes and BIGINT 8
// bytes big-endian, DOUBLE 8-byte IEEE 754 big-endian, BYTES raw. JSON
// writes a single key column unwrapped (as ksqlDB does) and several as an
// object. No key columns, or a single NULL key, encode as nil.
func EncodeKey(format string, keyCols []Column, key Row) ([]byte, error) {
	if len(keyCols) == 0 {
		return nil, nil
	}
	if len(key) != len(keyCols) {
		return nil, &KeyError{format, fmt.Sprintf("%d key values for %d key columns", len(key), len(keyCols))}
	}
	switch format {
	case FormatKafka:
		if len(keyCols) != 1 {
			return nil, &KeyError{format, "the KAFKA format supports a single key column"}
		}
		return encodeKafkaKey(keyCols[0].Type, key[0])
	case FormatJSON:
		if len(keyCols) == 1 {
			if key[0] == nil {
				return nil, nil
			}
			return appendJSONValue(nil, keyCols[0].Type, key[0]), nil
		}
		return AppendJSON(nil, &Schema{Columns: valueCopy(keyCols)}, key), nil
	}
	return nil, &KeyError{format, "unsupported key format"}
}

// valueCopy marks columns as value columns so AppendJSON writes them.
func valueCopy(cols []Column) []Column {
	out := make([]Column, len(cols))
	for i, c := range cols {
		out[i] = Column{Name: c.Name, Type: c.Type}
	}
	return out
}

func encodeKafkaKey(t *Type, v Value) ([]byte, error) {
	if v == nil {
		return nil, nil
	}
	switch x := v.(type) {
	case string:
		return []byte(x), nil
	case int32:
		return binary.BigEndian.AppendUint32(nil, uint32(x)), nil
	case int64:
		return binary.BigEndian.AppendUint64(nil, uint64(x)), nil
	case float64:
		return binary.BigEndian.AppendUint64(nil, math.Float64bits(x)), nil
	case []byte:
		return append([]byte(nil), x...), nil
	}
	return nil, &KeyError{FormatKafka, fmt.Sprintf("cannot serialize %s as %s", TypeOfValue(v), t)}
}

// DecodeKey parses a key written by EncodeKey (or by Kafka's serializers,
// or by ksqlDB) into one value per key column. A nil key decodes as NULLs.
func DecodeKey(format string, keyCols []Column, data []byte) (Row, error) {
	out := make(Row, len(keyCols))
	if len(keyCols) == 0 || data == nil {
		return out, nil
	}
	switch format {
	case FormatKafka:
		if len(keyCols) != 1 {
			return nil, &KeyError{format, "the KAFKA format supports a single key column"}
		}
		v, err := decodeKafkaKey(keyCols[0].Type, data)
		out[0] = v
		return out, err
	case FormatJSON:
		if len(keyCols) == 1 {
			d := NewRowDecoder(&Schema{})
			d.indexStructs(keyCols[0].Type)
			s := jsonScanner{data: data}
			s.skipWS()
			d.path = append(d.path, pathElem{name: keyCols[0].Name})
			v, err := d.value(&s, keyCols[0].Type)
			if err != nil {
				return nil, err
			}
			if s.skipWS(); s.i != len(data) {
				return nil, s.malformed("unexpected data after the key")
			}
			out[0] = v
			return out, nil
		}
		row, err := DecodeJSON(&Schema{Columns: valueCopy(keyCols)}, data)
		if row == nil && err == nil {
			row = out
		}
		return row, err
	}
	return nil, &KeyError{format, "unsupported key format"}
}

func decodeKafkaKey(t *Type, b []byte) (Value, error) {
	want := func(n int) error {
		if len(b) != n {
			return &KeyError{FormatKafka, fmt.Sprintf("%s key must be %d bytes, found %d", t, n, len(b))}
		}
		return nil
	}
	switch t.Kind {
	case KindString:
		return string(b), nil
	case KindInt:
		if err := want(4); err != nil {
			return nil, err
		}
		return int32(binary.BigEndian.Uint32(b)), nil
	case KindBigint:
		if err := want(8); err != nil {
			return nil, err
		}
		return int64(binary.BigEndian.Uint64(b)), nil
	case KindDouble:
		if err := want(8); err != nil {
			return nil, err
		}
		return math.Float64frombits(binary.BigEndian.Uint64(b)), nil
	case KindBytes:
		return append([]byte(nil), b...), nil
	}
	return nil, &KeyError{FormatKafka, fmt.Sprintf("unsupported key type %s", t)}
}

// Windowed keys, as Kafka Streams' TimeWindowedSerializer and
// SessionWindowedSerializer (WindowKeySchema / SessionKeySchema) write them
// and ksqlDB reads them.

// AppendTimeWindowedKey appends key followed by the window start as an
// 8-byte big-endian millisecond timestamp (tumbling and hopping windows).
func AppendTimeWindowedKey(dst, key []byte, start int64) []byte {
	dst = append(dst, key...)
	return binary.BigEndian.AppendUint64(dst, uint64(start))
}

// AppendSessionWindowedKey appends key, then the window end, then the start,
// each 8 bytes big-endian (SessionKeySchema's order: end before start).
func AppendSessionWindowedKey(dst, key []byte, start, end int64) []byte {
	dst = append(dst, key...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(end))
	return binary.BigEndian.AppendUint64(dst, uint64(start))
}

var errShortWindowedKey = errors.New("windowed key is too short")

// SplitTimeWindowedKey splits a time-windowed key into the inner key and
// the window start.
func SplitTimeWindowedKey(b []byte) (key []byte, start int64, err error) {
	if len(b) < 8 {
		return nil, 0, errShortWindowedKey
	}
	n := len(b) - 8
	return b[:n], int64(binary.BigEndian.Uint64(b[n:])), nil
}

// SplitSessionWindowedKey splits a session-windowed key into the inner key
// and the window bounds.
func SplitSessionWindowedKey(b []byte) (key []byte, start, end int64, err error) {
	if len(b) < 16 {
		return nil, 0, 0, errShortWindowedKey
	}
	n := len(b) - 16
	end = int64(binary.BigEndian.Uint64(b[n : n+8]))
	start = int64(binary.BigEndian.Uint64(b[n+8:]))
	return b[:n], start, end, nil
}
