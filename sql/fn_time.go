package sql

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // TIMESTAMPTOSTRING's zones must resolve on hosts without zoneinfo
)

func timeFuncs() []*scalarFunc {
	return []*scalarFunc{
		{name: "TIMESTAMPTOSTRING", minArgs: 2, maxArgs: 3, signature: "TIMESTAMPTOSTRING(BIGINT, STRING [, STRING])", nullOnNull: true, bind: bindTimestampToString},
		{name: "FROM_UNIXTIME", minArgs: 1, maxArgs: 1, signature: "FROM_UNIXTIME(BIGINT)", nullOnNull: true, bind: bindFromUnixtime},
	}
}

func bindFromUnixtime(args []*CompiledExpr) (*Type, implFn, int, string) {
	if msg := wantKinds(args, 0, KindBigint, KindInt); msg != "" {
		return nil, nil, 0, msg
	}
	return TypeTimestamp, func(vals []Value) (Value, error) { return Timestamp(toInt64(vals[0])), nil }, -1, ""
}

// bindTimestampToString formats epoch milliseconds with a Java
// DateTimeFormatter-style pattern, in UTC or the given zone. Constant
// patterns and zones are compiled once, here.
func bindTimestampToString(args []*CompiledExpr) (*Type, implFn, int, string) {
	if msg := wantKinds(args, 0, KindBigint, KindInt, KindTimestamp); msg != "" {
		return nil, nil, 0, msg
	}
	if i, msg := wantKindsFrom(args, 1, KindString); msg != "" {
		return nil, nil, i, msg
	}
	var fixedFmt *timeFormat
	if s, ok := constString(args[1]); ok {
		f, err := compileTimeFormat(s)
		if err != nil {
			return nil, nil, 1, err.Error()
		}
		fixedFmt = f
	}
	var fixedLoc *time.Location
	if len(args) == 3 {
		if s, ok := constString(args[2]); ok {
			loc, err := time.LoadLocation(s)
			if err != nil {
				return nil, nil, 2, fmt.Sprintf("unknown time zone '%s'", s)
			}
			fixedLoc = loc
		}
	}
	return TypeString, func(vals []Value) (Value, error) {
		f := fixedFmt
		if f == nil {
			var err error
			if f, err = compileTimeFormat(vals[1].(string)); err != nil {
				return nil, err
			}
		}
		loc := time.UTC
		if len(vals) == 3 {
			if loc = fixedLoc; loc == nil {
				var err error
				if loc, err = time.LoadLocation(vals[2].(string)); err != nil {
					return nil, fmt.Errorf("unknown time zone '%s'", vals[2])
				}
			}
		}
		var ms int64
		switch x := vals[0].(type) {
		case Timestamp:
			ms = int64(x)
		default:
			ms = toInt64(x)
		}
		return f.format(time.UnixMilli(ms).In(loc)), nil
	}, -1, ""
}

// timeFormat is a compiled pattern: literal text and fields.
type timeFormat struct {
	parts []timePart
}

type timePart struct {
	letter byte // 0 for literal
	count  int
	lit    string
}

// compileTimeFormat parses a DateTimeFormatter/SimpleDateFormat pattern:
// letters y M d H h m s S a E X Z z; 'quoted' literals, ” for a quote;
// other characters are literal.
func compileTimeFormat(p string) (*timeFormat, error) {
	f := &timeFormat{}
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			lit, n, err := quotedLiteral(p[i:])
			if err != nil {
				return nil, err
			}
			f.parts = append(f.parts, timePart{lit: lit})
			i += n
		case isLetter(c):
			if !strings.ContainsRune("yuMdHhmsSaEXZzk", rune(c)) {
				return nil, fmt.Errorf("unknown pattern letter '%c' in '%s'", c, p)
			}
			j := i
			for j < len(p) && p[j] == c {
				j++
			}
			f.parts = append(f.parts, timePart{letter: c, count: j - i})
			i = j
		default:
			f.parts = append(f.parts, timePart{lit: string(c)})
			i++
		}
	}
	return f, nil
}

func quotedLiteral(p string) (string, int, error) {
	if strings.HasPrefix(p, "''") {
		return "'", 2, nil
	}
	var b strings.Builder
	for i := 1; i < len(p); i++ {
		if p[i] == '\'' {
			if i+1 < len(p) && p[i+1] == '\'' {
				b.WriteByte('\'')
				i++
				continue
			}
			return b.String(), i + 1, nil
		}
		b.WriteByte(p[i])
	}
	return "", 0, fmt.Errorf("unterminated quote in pattern '%s'", p)
}

func pad(n, width int) string {
	s := strconv.Itoa(n)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

func (f *timeFormat) format(t time.Time) string {
	var b strings.Builder
	for _, p := range f.parts {
		if p.letter == 0 {
			b.WriteString(p.lit)
			continue
		}
		b.WriteString(formatField(t, p.letter, p.count))
	}
	return b.String()
}

func formatField(t time.Time, c byte, n int) string {
	switch c {
	case 'y', 'u':
		if n == 2 {
			return pad(t.Year()%100, 2)
		}
		return pad(t.Year(), n)
	case 'M':
		switch {
		case n >= 4:
			return t.Month().String()
		case n == 3:
			return t.Month().String()[:3]
		}
		return pad(int(t.Month()), n)
	case 'd':
		return pad(t.Day(), n)
	case 'H':
		return pad(t.Hour(), n)
	case 'k':
		h := t.Hour()
		if h == 0 {
			h = 24
		}
		return pad(h, n)
	case 'h':
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		return pad(h, n)
	case 'm':
		return pad(t.Minute(), n)
	case 's':
		return pad(t.Second(), n)
	case 'S':
		// Fraction of second, n digits.
		frac := pad(t.Nanosecond(), 9)
		if n <= 9 {
			return frac[:n]
		}
		return frac + strings.Repeat("0", n-9)
	case 'a':
		if t.Hour() < 12 {
			return "AM"
		}
		return "PM"
	case 'E':
		if n >= 4 {
			return t.Weekday().String()
		}
		return t.Weekday().String()[:3]
	case 'X':
		return formatOffset(t, n, true)
	case 'Z':
		return formatOffset(t, 2, false)
	case 'z':
		name, _ := t.Zone()
		return name
	}
	return ""
}

// formatOffset writes a zone offset: X → +01, XX → +0100, XXX → +01:00
// ('Z' for zero when zulu); Z → +0100.
func formatOffset(t time.Time, n int, zulu bool) string {
	_, off := t.Zone()
	if off == 0 && zulu {
		return "Z"
	}
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	h, m := off/3600, off%3600/60
	switch {
	case n == 1:
		s := sign + pad(h, 2)
		if m != 0 {
			s += pad(m, 2)
		}
		return s
	case n == 2:
		return sign + pad(h, 2) + pad(m, 2)
	}
	return sign + pad(h, 2) + ":" + pad(m, 2)
}
