package sql

import (
	"math"
	"strconv"
	"strings"
)

// formatJavaDouble renders a double as Java's Double.toString does (what
// ksqlDB's JSON serializer and CAST to STRING produce): shortest digits,
// plain notation with at least one fractional digit for 1e-3 <= |f| < 1e7,
// otherwise d.dddE±n.
func formatJavaDouble(f float64) string {
	return string(appendJavaDouble(nil, f))
}

func appendJavaDouble(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, "NaN"...)
	case math.IsInf(f, 1):
		return append(b, "Infinity"...)
	case math.IsInf(f, -1):
		return append(b, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(b, "-0.0"...)
		}
		return append(b, "0.0"...)
	}
	abs := math.Abs(f)
	if abs >= 1e-3 && abs < 1e7 {
		n := len(b)
		b = strconv.AppendFloat(b, f, 'f', -1, 64)
		if !hasDot(b[n:]) {
			b = append(b, '.', '0')
		}
		return b
	}
	s := strconv.FormatFloat(f, 'e', -1, 64) // -d.ddde±xx
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	b = append(b, mant...)
	b = append(b, 'E')
	e, _ := strconv.Atoi(exp)
	return strconv.AppendInt(b, int64(e), 10)
}

func hasDot(b []byte) bool {
	for _, c := range b {
		if c == '.' {
			return true
		}
	}
	return false
}
