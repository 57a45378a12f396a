package sql

import (
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/chaintap/chaintap/internal/testseed"
)

// TestParseDecimalAgainstRat parses random decimals (signs, 1–90 digits,
// a point anywhere or none, exponents) and compares each value with
// math/big.Rat's reading of the same text; the scale is the fractional
// digits written less the exponent, never below 0.
func TestParseDecimalAgainstRat(t *testing.T) {
	rng := rand.New(rand.NewPCG(testseed.Seed(t), 0))
	for range 20000 {
		var b strings.Builder
		switch rng.IntN(3) {
		case 0:
			b.WriteByte('-')
		case 1:
			b.WriteByte('+')
		}
		digits := 1 + rng.IntN(90)
		point := rng.IntN(digits+2) - 1 // -1: none; digits: a trailing point
		for i := 0; i < digits; i++ {
			if i == point {
				b.WriteByte('.')
			}
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		if point == digits {
			b.WriteByte('.')
		}
		if rng.IntN(4) == 0 {
			b.WriteString("E")
			b.WriteString(big.NewInt(int64(rng.IntN(41) - 20)).String())
		}
		s := b.String()
		d, err := ParseDecimal(s)
		want, ok := new(big.Rat).SetString(s)
		if err != nil || !ok {
			t.Fatalf("%q: ParseDecimal %v, Rat ok %v", s, err, ok)
		}
		got := new(big.Rat).SetFrac(d.c(), pow10(d.Scale()))
		if got.Cmp(want) != 0 {
			t.Fatalf("%q: got %s (coef %s scale %d), want %s", s, got.FloatString(30), d.c(), d.Scale(), want.FloatString(30))
		}
	}
	for _, bad := range []string{"", "-", "+", ".", "-.", "1.2.3", "1-2", "--1", "1e", "1e+", "a", "1a", "0x10", "1..2"} {
		if d, err := ParseDecimal(bad); err == nil {
			t.Errorf("%q parsed as %s", bad, d)
		}
	}
}

// TestFitAtTheBoundary: DECIMAL(p, s) holds |value| < 10^(p-s) after
// half-up rounding to s digits.
func TestFitAtTheBoundary(t *testing.T) {
	for _, c := range []struct {
		in   string
		p, s int
		want string // "" means overflow
	}{
		{"99.99", 4, 2, "99.99"},
		{"-99.99", 4, 2, "-99.99"},
		{"100", 4, 2, ""},
		{"99.995", 4, 2, ""},
		{"-99.994", 4, 2, "-99.99"},
		{"0", 1, 0, "0"},
		{"0.0001", 2, 2, "0.00"},
		{"9", 1, 0, "9"},
		{"10", 1, 0, ""},
		{strings.Repeat("9", 78), 78, 0, strings.Repeat("9", 78)},
		{"1" + strings.Repeat("0", 78), 78, 0, ""},
	} {
		got, err := MustDecimal(c.in).Fit(c.p, c.s)
		switch {
		case c.want == "" && err == nil:
			t.Errorf("%s into DECIMAL(%d,%d): %s, want an overflow", c.in, c.p, c.s, got)
		case c.want != "" && (err != nil || got.String() != c.want):
			t.Errorf("%s into DECIMAL(%d,%d): %s, %v; want %s", c.in, c.p, c.s, got, err, c.want)
		}
	}
}
