package sql

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Decimal is an exact decimal number: Coef × 10^-Scale. It is immutable:
// operations return new values and never modify their operands or share a
// *big.Int that a caller could change. The zero value is 0 (scale 0).
//
// math/big rather than a decimal library: DECIMAL columns here hold uint256
// chain values (78 digits) and their sums, where only exactness matters,
// and a scaled big.Int is exact at any size with no context to configure.
type Decimal struct {
	coef  *big.Int // nil means 0
	scale int32
}

var bigZero = new(big.Int)

// pow10Table caches 10^0 … 10^99; never modified after init.
var pow10Table = func() []*big.Int {
	t := make([]*big.Int, 100)
	t[0] = big.NewInt(1)
	for i := 1; i < len(t); i++ {
		t[i] = new(big.Int).Mul(t[i-1], big.NewInt(10))
	}
	return t
}()

// pow10 returns 10^n; the result must not be modified.
func pow10(n int) *big.Int {
	if n < len(pow10Table) {
		return pow10Table[n]
	}
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n)), nil)
}

// NewDecimal returns coef × 10^-scale; coef is copied.
func NewDecimal(coef *big.Int, scale int) Decimal {
	return Decimal{coef: new(big.Int).Set(coef), scale: int32(scale)}
}

// DecimalFromInt64 returns v × 10^-scale.
func DecimalFromInt64(v int64, scale int) Decimal {
	return Decimal{coef: big.NewInt(v), scale: int32(scale)}
}

func (d Decimal) c() *big.Int {
	if d.coef == nil {
		return bigZero
	}
	return d.coef
}

// Coef returns a copy of the unscaled coefficient.
func (d Decimal) Coef() *big.Int { return new(big.Int).Set(d.c()) }

// Scale is the number of digits after the point.
func (d Decimal) Scale() int { return int(d.scale) }

// Sign returns -1, 0 or 1.
func (d Decimal) Sign() int { return d.c().Sign() }

// Precision is the number of digits of the coefficient (1 for zero).
func (d Decimal) Precision() int {
	c := d.c()
	if c.Sign() == 0 {
		return 1
	}
	n := len(new(big.Int).Abs(c).String())
	return n
}

// maxExponent bounds exponents so that a hostile "1E999999999" cannot make
// ParseDecimal build a billion-digit number.
const maxExponent = 4 * MaxDecimalPrecision

// ParseDecimal parses plain or exponent notation ("-12.30", "1.5E3").
// The scale is the number of fractional digits written (less the
// exponent, never below 0).
func ParseDecimal(s string) (Decimal, error) {
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e > maxExponent || e < -maxExponent {
			return Decimal{}, fmt.Errorf("invalid decimal %q", s)
		}
		mant, exp = s[:i], e
	}
	scale, point := 0, strings.IndexByte(mant, '.')
	if point >= 0 {
		scale = len(mant) - point - 1
	}
	if mant == "" || mant == "-" || mant == "+" || mant == "." || strings.ContainsAny(mant[1:], "+-") {
		return Decimal{}, fmt.Errorf("invalid decimal %q", s)
	}
	coef, ok := parseCoef(mant, point)
	if !ok {
		return Decimal{}, fmt.Errorf("invalid decimal %q", s)
	}
	scale -= exp
	if scale < 0 {
		coef.Mul(coef, pow10(-scale))
		scale = 0
	}
	if scale > math.MaxInt32/2 {
		return Decimal{}, fmt.Errorf("decimal %q has too large a scale", s)
	}
	return Decimal{coef: coef, scale: int32(scale)}, nil
}

// parseCoef parses an optionally signed run of decimal digits with the
// decimal point at index point of s (-1: none), which it skips, 18 digits
// per step: big.Int's SetString reads byte by byte and dominated decoding
// uint256 values.
func parseCoef(s string, point int) (*big.Int, bool) {
	neg := false
	if s != "" && (s[0] == '-' || s[0] == '+') {
		neg, s, point = s[0] == '-', s[1:], point-1
	}
	if s == "" || (point >= 0 && len(s) == 1) {
		return nil, false
	}
	coef := new(big.Int)
	var word big.Int
	for len(s) > 0 {
		var v uint64
		n := 0 // digits in v
		for len(s) > 0 && n < 18 {
			c := s[0]
			s = s[1:]
			if point == 0 {
				point = -1
				continue
			}
			point--
			if c < '0' || c > '9' {
				return nil, false
			}
			v = v*10 + uint64(c-'0')
			n++
		}
		if n == 0 {
			break
		}
		if coef.Sign() != 0 {
			coef.Mul(coef, pow10(n))
		}
		coef.Add(coef, word.SetUint64(v))
	}
	if neg {
		coef.Neg(coef)
	}
	return coef, true
}

// MustDecimal is ParseDecimal for constants in tests and tables; it panics
// on a malformed constant.
func MustDecimal(s string) Decimal {
	d, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return d
}

// String renders plain notation with exactly Scale fractional digits, as
// Java's BigDecimal.toPlainString (what ksqlDB writes).
func (d Decimal) String() string {
	return string(d.AppendText(nil))
}

// AppendText appends the plain notation to b.
func (d Decimal) AppendText(b []byte) []byte {
	c := d.c()
	neg := c.Sign() < 0
	var digits []byte
	if c.IsInt64() {
		v := c.Int64()
		if neg {
			digits = strconv.AppendUint(nil, uint64(-v), 10)
		} else {
			digits = strconv.AppendInt(nil, v, 10)
		}
	} else {
		digits = new(big.Int).Abs(c).Append(nil, 10)
	}
	if neg {
		b = append(b, '-')
	}
	s := int(d.scale)
	if s == 0 {
		return append(b, digits...)
	}
	if len(digits) <= s {
		b = append(b, '0', '.')
		for i := len(digits); i < s; i++ {
			b = append(b, '0')
		}
		return append(b, digits...)
	}
	b = append(b, digits[:len(digits)-s]...)
	b = append(b, '.')
	return append(b, digits[len(digits)-s:]...)
}

// align returns both coefficients at the larger scale.
func align(a, b Decimal) (*big.Int, *big.Int, int32) {
	switch {
	case a.scale == b.scale:
		return a.c(), b.c(), a.scale
	case a.scale > b.scale:
		return a.c(), new(big.Int).Mul(b.c(), pow10(int(a.scale-b.scale))), a.scale
	default:
		return new(big.Int).Mul(a.c(), pow10(int(b.scale-a.scale))), b.c(), b.scale
	}
}

// Cmp compares values (not representations: 1.0 equals 1.00).
func (d Decimal) Cmp(e Decimal) int {
	x, y, _ := align(d, e)
	return x.Cmp(y)
}

// Add returns d + e at the larger scale.
func (d Decimal) Add(e Decimal) Decimal {
	x, y, s := align(d, e)
	return Decimal{coef: new(big.Int).Add(x, y), scale: s}
}

// Sub returns d - e at the larger scale.
func (d Decimal) Sub(e Decimal) Decimal {
	x, y, s := align(d, e)
	return Decimal{coef: new(big.Int).Sub(x, y), scale: s}
}

// Mul returns d × e at scale d.Scale + e.Scale.
func (d Decimal) Mul(e Decimal) Decimal {
	return Decimal{coef: new(big.Int).Mul(d.c(), e.c()), scale: d.scale + e.scale}
}

// Neg returns -d.
func (d Decimal) Neg() Decimal { return Decimal{coef: new(big.Int).Neg(d.c()), scale: d.scale} }

// Abs returns |d|.
func (d Decimal) Abs() Decimal { return Decimal{coef: new(big.Int).Abs(d.c()), scale: d.scale} }

// Quo returns d / e rounded half-up (away from zero) to scale; e must not be 0.
func (d Decimal) Quo(e Decimal, scale int) Decimal {
	// d/e = (dc·10^-ds)/(ec·10^-es); at scale s the coefficient is
	// dc·10^(s-ds+es)/ec.
	num := new(big.Int).Set(d.c())
	den := new(big.Int).Set(e.c())
	shift := scale - int(d.scale) + int(e.scale)
	if shift >= 0 {
		num.Mul(num, pow10(shift))
	} else {
		den.Mul(den, pow10(-shift))
	}
	return Decimal{coef: divHalfUp(num, den), scale: int32(scale)}
}

// Rem returns d mod e (sign of d, as Java's BigDecimal.remainder).
func (d Decimal) Rem(e Decimal) Decimal {
	x, y, s := align(d, e)
	return Decimal{coef: new(big.Int).Rem(x, y), scale: s}
}

// divHalfUp divides rounding half away from zero.
func divHalfUp(num, den *big.Int) *big.Int {
	q, r := new(big.Int).QuoRem(num, den, new(big.Int))
	if r.Sign() == 0 {
		return q
	}
	r2 := new(big.Int).Abs(r)
	r2.Lsh(r2, 1)
	if r2.CmpAbs(den) >= 0 {
		if (num.Sign() < 0) != (den.Sign() < 0) {
			q.Sub(q, big.NewInt(1))
		} else {
			q.Add(q, big.NewInt(1))
		}
	}
	return q
}

// Rescale returns d at scale, rounding half-up (away from zero) when digits
// are dropped.
func (d Decimal) Rescale(scale int) Decimal {
	switch {
	case scale == int(d.scale):
		return d
	case scale > int(d.scale):
		return Decimal{coef: new(big.Int).Mul(d.c(), pow10(scale-int(d.scale))), scale: int32(scale)}
	}
	return Decimal{coef: divHalfUp(d.c(), pow10(int(d.scale)-scale)), scale: int32(scale)}
}

// Fit rescales d to DECIMAL(p, s): half-up rounding of extra fractional
// digits, an error when the integer part needs more than p-s digits.
func (d Decimal) Fit(p, s int) (Decimal, error) {
	r := d.Rescale(s)
	// More than p digits is |coef| ≥ 10^p: a comparison, where counting
	// the digits formatted the number (a third of decoding a DECIMAL).
	if r.c().CmpAbs(pow10(p)) >= 0 {
		return Decimal{}, fmt.Errorf("numeric field overflow: %s does not fit DECIMAL(%d, %d)", d, p, s)
	}
	return r, nil
}

// Float64 converts to the nearest double.
func (d Decimal) Float64() float64 {
	if d.scale == 0 && d.c().IsInt64() {
		return float64(d.c().Int64())
	}
	f, _ := new(big.Rat).SetFrac(d.c(), pow10(int(d.scale))).Float64()
	return f
}

// DecimalFromFloat converts a finite double to its shortest exact-looking
// decimal (as Java's BigDecimal.valueOf(double)).
func DecimalFromFloat(f float64) (Decimal, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Decimal{}, fmt.Errorf("cannot convert %v to DECIMAL", f)
	}
	return ParseDecimal(strconv.FormatFloat(f, 'g', -1, 64))
}

// IsInt64 reports whether d is an integer that fits int64, and returns it.
func (d Decimal) int64Value() (int64, bool) {
	r := d.roundTowardZero()
	if !r.IsInt64() {
		return 0, false
	}
	return r.Int64(), true
}

// roundTowardZero drops the fractional digits.
func (d Decimal) roundTowardZero() *big.Int {
	if d.scale == 0 {
		return d.c()
	}
	return new(big.Int).Quo(d.c(), pow10(int(d.scale)))
}
