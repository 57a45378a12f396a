package sql

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strings"
)

// Value is one SQL value. Its dynamic type is fixed by the SQL type, so the
// runtime and compiled expressions switch on it without reflection:
//
//	NULL        nil
//	BOOLEAN     bool
//	INT         int32
//	BIGINT      int64
//	DOUBLE      float64
//	DECIMAL     Decimal (exact, immutable)
//	STRING      string
//	BYTES       []byte
//	TIMESTAMP   Timestamp (milliseconds since the Unix epoch, UTC)
//	DATE        Date (days since the epoch)
//	TIME        Time (milliseconds since midnight)
//	ARRAY<T>    []Value
//	MAP<K, V>   map[string]Value
//	STRUCT<…>   Struct (field values in the type's field order)
//
// Values are treated as immutable once built: share, never modify.
type Value = any

// Row is a row of values in its schema's column order.
type Row []Value

// Struct is a STRUCT value: field values positioned as the STRUCT type's
// fields, so that field access is an index computed at analysis time.
type Struct []Value

// Timestamp is a TIMESTAMP: milliseconds since 1970-01-01T00:00:00Z.
type Timestamp int64

// Date is a DATE: days since 1970-01-01.
type Date int32

// Time is a TIME: milliseconds since midnight.
type Time int32

// Compare orders two non-null values of the same SQL type (numbers of
// different kinds compare by value). ok is false when they cannot be
// compared (different types, or ARRAY/MAP/STRUCT).
func Compare(a, b Value) (c int, ok bool) {
	switch x := a.(type) {
	case int64:
		if y, isY := b.(int64); isY {
			return cmpOrdered(x, y), true
		}
	case int32:
		if y, isY := b.(int32); isY {
			return cmpOrdered(x, y), true
		}
	case float64:
		if y, isY := b.(float64); isY {
			return cmpFloat(x, y), true
		}
	case string:
		if y, isY := b.(string); isY {
			return strings.Compare(x, y), true
		}
	case Decimal:
		if y, isY := b.(Decimal); isY {
			return x.Cmp(y), true
		}
	case bool:
		if y, isY := b.(bool); isY {
			return cmpBool(x, y), true
		}
	case []byte:
		if y, isY := b.([]byte); isY {
			return bytes.Compare(x, y), true
		}
	case Timestamp:
		if y, isY := b.(Timestamp); isY {
			return cmpOrdered(x, y), true
		}
	case Date:
		if y, isY := b.(Date); isY {
			return cmpOrdered(x, y), true
		}
	case Time:
		if y, isY := b.(Time); isY {
			return cmpOrdered(x, y), true
		}
	}
	return compareMixedNumeric(a, b)
}

func cmpOrdered[T int32 | int64 | Timestamp | Date | Time](x, y T) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// cmpFloat orders as Java's Double.compare: NaN above everything, -0 < +0.
func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	case x == y && x != 0:
		return 0
	}
	xb, yb := math.Float64bits(x), math.Float64bits(y)
	if math.IsNaN(x) {
		xb = math.Float64bits(math.NaN())
	}
	if math.IsNaN(y) {
		yb = math.Float64bits(math.NaN())
	}
	switch {
	case math.IsNaN(x) && math.IsNaN(y):
		return 0
	case math.IsNaN(x):
		return 1
	case math.IsNaN(y):
		return -1
	case xb == yb:
		return 0
	case math.Signbit(x):
		return -1
	}
	return 1
}

func cmpBool(x, y bool) int {
	switch {
	case x == y:
		return 0
	case !x:
		return -1
	}
	return 1
}

// compareMixedNumeric compares numbers of different Go types by value.
func compareMixedNumeric(a, b Value) (int, bool) {
	ka, kb := numKind(a), numKind(b)
	if ka == 0 || kb == 0 {
		return 0, false
	}
	switch {
	case ka == KindDouble || kb == KindDouble:
		return cmpFloat(toFloat(a), toFloat(b)), true
	case ka == KindDecimal || kb == KindDecimal:
		return toDecimal(a).Cmp(toDecimal(b)), true
	}
	return cmpOrdered(toInt64(a), toInt64(b)), true
}

func numKind(v Value) Kind {
	switch v.(type) {
	case int32:
		return KindInt
	case int64:
		return KindBigint
	case float64:
		return KindDouble
	case Decimal:
		return KindDecimal
	}
	return 0
}

func toFloat(v Value) float64 {
	switch x := v.(type) {
	case int32:
		return float64(x)
	case int64:
		return float64(x)
	case float64:
		return x
	case Decimal:
		return x.Float64()
	}
	return math.NaN()
}

func toInt64(v Value) int64 {
	switch x := v.(type) {
	case int32:
		return int64(x)
	case int64:
		return x
	}
	return 0
}

func toDecimal(v Value) Decimal {
	switch x := v.(type) {
	case int32:
		return DecimalFromInt64(int64(x), 0)
	case int64:
		return DecimalFromInt64(x, 0)
	case Decimal:
		return x
	case float64:
		d, _ := DecimalFromFloat(x)
		return d
	}
	return Decimal{}
}

// Equal reports SQL equality of two non-null values of one type, including
// ARRAY, MAP and STRUCT (element-wise).
func Equal(a, b Value) bool {
	switch x := a.(type) {
	case []Value:
		y, ok := b.([]Value)
		return ok && equalSlices(x, y)
	case Struct:
		y, ok := b.(Struct)
		return ok && equalSlices(x, y)
	case map[string]Value:
		y, ok := b.(map[string]Value)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equalOrBothNull(v, w) {
				return false
			}
		}
		return true
	}
	c, ok := Compare(a, b)
	return ok && c == 0
}

func equalSlices(x, y []Value) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if !equalOrBothNull(x[i], y[i]) {
			return false
		}
	}
	return true
}

func equalOrBothNull(a, b Value) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return Equal(a, b)
}

// FormatValue renders a value for messages and string conversion, as
// ksqlDB's CAST(x AS STRING) does for primitives.
func FormatValue(v Value) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return x
	case float64:
		return formatJavaDouble(x)
	case Decimal:
		return x.String()
	case []byte:
		return fmt.Sprintf("%x", x)
	case bool:
		if x {
			return "true"
		}
		return "false"
	case []Value:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = FormatValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case Struct:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = FormatValue(e)
		}
		return "Struct{" + strings.Join(parts, ", ") + "}"
	case map[string]Value:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + FormatValue(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return fmt.Sprint(v)
}

// TypeOfValue names the SQL type of a Go value, for messages.
func TypeOfValue(v Value) string {
	switch v.(type) {
	case nil:
		return "NULL"
	case bool:
		return "BOOLEAN"
	case int32:
		return "INTEGER"
	case int64:
		return "BIGINT"
	case float64:
		return "DOUBLE"
	case Decimal:
		return "DECIMAL"
	case string:
		return "STRING"
	case []byte:
		return "BYTES"
	case Timestamp:
		return "TIMESTAMP"
	case Date:
		return "DATE"
	case Time:
		return "TIME"
	case []Value:
		return "ARRAY"
	case map[string]Value:
		return "MAP"
	case Struct:
		return "STRUCT"
	}
	return fmt.Sprintf("%T", v)
}
