package sql

import (
	"math"
	"strconv"
	"strings"
	"time"
)

func (c *compiler) cast(e *Cast) (*CompiledExpr, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	conv, ok := castFunc(x.Type, e.Type)
	if !ok {
		return nil, errorf(e.At, "CAST", "cannot cast %s (%s) to %s", e.X.String(), x.Type, e.Type)
	}
	xf, text := x.fn, e.String()
	return &CompiledExpr{Type: e.Type, Text: text, canon: "CAST(" + x.canon + "," + e.Type.String() + ")",
		constant: x.constant, fn: func(r Row) (Value, error) {
			v, err := xf(r)
			if err != nil || v == nil {
				return nil, err
			}
			out, err := conv(v)
			if err != nil {
				return nil, &EvalError{Expr: text, Msg: err.Error()}
			}
			return out, nil
		}}, nil
}

type castFn func(Value) (Value, error)

// castFunc returns the conversion from type from to type to, following
// ksqlDB's CAST rules: numbers convert among themselves (truncating toward
// zero into integers), everything converts to STRING, STRING parses into
// primitives, complex types only cast to themselves.
func castFunc(from, to *Type) (castFn, bool) {
	if from.Kind == KindNull || from.Equal(to) {
		return func(v Value) (Value, error) { return v, nil }, true
	}
	if to.Kind == KindString {
		return func(v Value) (Value, error) { return castToString(v), nil }, true
	}
	switch {
	case from.IsNumeric() && to.IsNumeric():
		return numericCast(to), true
	case from.Kind == KindString:
		return parseCast(to)
	case from.Kind == KindBigint && to.Kind == KindTimestamp:
		return func(v Value) (Value, error) { return Timestamp(v.(int64)), nil }, true
	case from.Kind == KindTimestamp && to.Kind == KindBigint:
		return func(v Value) (Value, error) { return int64(v.(Timestamp)), nil }, true
	case from.Kind == KindTimestamp && to.Kind == KindDate:
		return func(v Value) (Value, error) { return Date(floorDiv(int64(v.(Timestamp)), 86_400_000)), nil }, true
	}
	return nil, false
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func numericCast(to *Type) castFn {
	switch to.Kind {
	case KindInt:
		return func(v Value) (Value, error) { return int32(truncInt(v)), nil }
	case KindBigint:
		return func(v Value) (Value, error) { return truncInt(v), nil }
	case KindDouble:
		return func(v Value) (Value, error) { return toFloat(v), nil }
	}
	return func(v Value) (Value, error) {
		if f, ok := v.(float64); ok {
			d, err := DecimalFromFloat(f)
			if err != nil {
				return nil, err
			}
			return d.Fit(to.Precision, to.Scale)
		}
		return toDecimal(v).Fit(to.Precision, to.Scale)
	}
}

// truncInt converts to int64 truncating toward zero, as a Java cast
// (NaN is 0, out of range saturates).
func truncInt(v Value) int64 {
	switch x := v.(type) {
	case int32:
		return int64(x)
	case int64:
		return x
	case float64:
		switch {
		case math.IsNaN(x):
			return 0
		case x >= math.MaxInt64:
			return math.MaxInt64
		case x <= math.MinInt64:
			return math.MinInt64
		}
		return int64(x)
	case Decimal:
		if n, ok := x.int64Value(); ok {
			return n
		}
		if x.Sign() > 0 {
			return math.MaxInt64
		}
		return math.MinInt64
	}
	return 0
}

func parseCast(to *Type) (castFn, bool) {
	switch to.Kind {
	case KindInt:
		return func(v Value) (Value, error) {
			n, err := strconv.ParseInt(strings.TrimSpace(v.(string)), 10, 32)
			return int32(n), err
		}, true
	case KindBigint:
		return func(v Value) (Value, error) {
			return strconv.ParseInt(strings.TrimSpace(v.(string)), 10, 64)
		}, true
	case KindDouble:
		return func(v Value) (Value, error) {
			return strconv.ParseFloat(strings.TrimSpace(v.(string)), 64)
		}, true
	case KindDecimal:
		return func(v Value) (Value, error) {
			d, err := ParseDecimal(strings.TrimSpace(v.(string)))
			if err != nil {
				return nil, err
			}
			return d.Fit(to.Precision, to.Scale)
		}, true
	case KindBoolean:
		// Java's Boolean.parseBoolean: "true" in any case, else false.
		return func(v Value) (Value, error) { return strings.EqualFold(strings.TrimSpace(v.(string)), "true"), nil }, true
	case KindTimestamp:
		return func(v Value) (Value, error) {
			t, err := parseTimestampString(v.(string))
			return Timestamp(t.UnixMilli()), err
		}, true
	case KindBytes:
		return func(v Value) (Value, error) { return []byte(v.(string)), nil }, true
	}
	return nil, false
}

// parseTimestampString accepts ISO-8601 forms ksqlDB accepts for
// TIMESTAMP literals: date, date and time, optional fraction and offset.
func parseTimestampString(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, &EvalError{Expr: quoteString(s), Msg: "not a timestamp (want ISO-8601, e.g. 2024-01-02T03:04:05.000Z)"}
}

// castToString renders as ksqlDB's CAST(x AS STRING).
func castToString(v Value) string {
	switch x := v.(type) {
	case Timestamp:
		return time.UnixMilli(int64(x)).UTC().Format("2006-01-02T15:04:05.000")
	case Date:
		return time.Unix(int64(x)*86400, 0).UTC().Format("2006-01-02")
	case Time:
		return time.UnixMilli(int64(x)).UTC().Format("15:04:05.000")
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return FormatValue(v)
}
