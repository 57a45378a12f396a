package sql

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
)

// countAcc is COUNT(*) (its argument is the constant TRUE) and COUNT(x)
// (non-NULL values).
type countAcc struct{ n int64 }

func newCount(*AggregateCall) Accumulator { return &countAcc{} }

func (a *countAcc) Add(v Value, _ int64) error {
	if v != nil {
		a.n++
	}
	return nil
}

func (a *countAcc) Retract(v Value, _ int64) error {
	if v == nil {
		return nil
	}
	if a.n == 0 {
		return fmt.Errorf("COUNT: %w", ErrRetractUnknown)
	}
	a.n--
	return nil
}

func (a *countAcc) Result() Value { return a.n }

func (a *countAcc) MarshalBinary() ([]byte, error) { return a.AppendBinary(nil) }
func (a *countAcc) AppendBinary(dst []byte) ([]byte, error) {
	return binary.AppendVarint(dst, a.n), nil
}

func (a *countAcc) UnmarshalBinary(b []byte) error {
	n, k := binary.Varint(b)
	if k <= 0 || k != len(b) || n < 0 {
		return fmt.Errorf("COUNT state: %w", ErrCorrupt)
	}
	a.n = n
	return nil
}

func bindSum(t *Type) (*Type, string) {
	if t == nil || !t.IsNumeric() {
		return nil, "argument must be numeric, found " + typeName(t)
	}
	if t.Kind == KindDecimal {
		// chaintap: 20 more digits than the input so sums of uint256
		// values stay exact (ksqlDB keeps the input precision and fails
		// on overflow).
		return DecimalType(min(t.Precision+20, MaxDecimalPrecision), t.Scale), ""
	}
	return t, ""
}

func bindAvg(t *Type) (*Type, string) {
	if t == nil || !t.IsNumeric() {
		return nil, "argument must be numeric, found " + typeName(t)
	}
	return TypeDouble, ""
}

// numSum is an exact, order-independent running sum of one numeric type:
// INT and BIGINT wrap as Java's int and long do (so subtraction undoes
// addition exactly), DECIMAL sums coefficients at the input scale, DOUBLE
// sums exactly in fixed point (every double is a multiple of 2^-1074) and
// rounds once when read — so retracting leaves exactly the sum of the rest.
type numSum struct {
	kind  Kind
	i     int64   // INT, BIGINT
	big   big.Int // DECIMAL coefficient; DOUBLE sum × 2^1074
	scale int     // DECIMAL
	nan   int64   // DOUBLE specials, counted
	pinf  int64
	ninf  int64
	n     int64   // non-NULL values summed
	tmp   big.Int // scratch
}

func (s *numSum) add(v Value, sign int64) {
	s.n += sign
	switch x := v.(type) {
	case int32:
		s.i = int64(int32(s.i) + int32(sign)*x)
	case int64:
		s.i += sign * x
	case Decimal:
		c := x.c()
		if int(x.scale) != s.scale {
			c = x.Rescale(s.scale).c()
		}
		if sign > 0 {
			s.big.Add(&s.big, c)
		} else {
			s.big.Sub(&s.big, c)
		}
	case float64:
		s.addFloat(x, sign)
	}
}

func (s *numSum) addFloat(f float64, sign int64) {
	switch {
	case math.IsNaN(f):
		s.nan += sign
		return
	case math.IsInf(f, 1):
		s.pinf += sign
		return
	case math.IsInf(f, -1):
		s.ninf += sign
		return
	}
	bits := math.Float64bits(f)
	exp := int((bits >> 52) & 0x7ff)
	mant := bits & (1<<52 - 1)
	shift := exp - 1 // subnormals: mant × 2^-1074
	if exp != 0 {
		mant |= 1 << 52
	} else {
		shift = 0
	}
	s.tmp.SetUint64(mant)
	s.tmp.Lsh(&s.tmp, uint(shift))
	if (f < 0) == (sign > 0) {
		s.big.Sub(&s.big, &s.tmp)
	} else {
		s.big.Add(&s.big, &s.tmp)
	}
}

// float returns the DOUBLE sum, correctly rounded.
func (s *numSum) float() float64 {
	switch {
	case s.nan > 0 || (s.pinf > 0 && s.ninf > 0):
		return math.NaN()
	case s.pinf > 0:
		return math.Inf(1)
	case s.ninf > 0:
		return math.Inf(-1)
	}
	var f big.Float
	f.SetInt(&s.big)
	f.SetMantExp(&f, -1074)
	v, _ := f.Float64()
	return v
}

func (s *numSum) value(resultScale int) Value {
	switch s.kind {
	case KindInt:
		return int32(s.i)
	case KindBigint:
		return s.i
	case KindDouble:
		return s.float()
	}
	return Decimal{coef: new(big.Int).Set(&s.big), scale: int32(resultScale)}
}

func (s *numSum) marshal(dst []byte) []byte {
	dst = binary.AppendVarint(dst, s.n)
	switch s.kind {
	case KindInt, KindBigint:
		return binary.AppendVarint(dst, s.i)
	case KindDouble:
		dst = binary.AppendVarint(dst, s.nan)
		dst = binary.AppendVarint(dst, s.pinf)
		dst = binary.AppendVarint(dst, s.ninf)
	}
	return appendBigInt(dst, &s.big)
}

func (s *numSum) unmarshal(b []byte) error {
	var err error
	read := func() int64 {
		v, k := binary.Varint(b)
		if k <= 0 {
			err = ErrCorrupt
			return 0
		}
		b = b[k:]
		return v
	}
	s.n = read()
	switch s.kind {
	case KindInt, KindBigint:
		s.i = read()
		if err == nil && len(b) != 0 {
			err = ErrCorrupt
		}
		return err
	case KindDouble:
		s.nan, s.pinf, s.ninf = read(), read(), read()
	}
	if err != nil {
		return err
	}
	v, rest, err := readBigInt(b)
	if err != nil {
		return err
	}
	if len(rest) != 0 {
		return ErrCorrupt
	}
	s.big.Set(v)
	return nil
}

func newNumSum(arg *Type) numSum {
	s := numSum{kind: arg.Kind}
	if arg.Kind == KindDecimal {
		s.scale = arg.Scale
	}
	return s
}

// sumAcc is SUM: NULLs are skipped; an empty sum is 0 (as ksqlDB).
type sumAcc struct {
	s     numSum
	scale int
}

func newSum(c *AggregateCall) Accumulator {
	return &sumAcc{s: newNumSum(c.Arg.Type), scale: c.Result.Scale}
}

func (a *sumAcc) Add(v Value, _ int64) error {
	if v != nil {
		a.s.add(v, 1)
	}
	return nil
}

func (a *sumAcc) Retract(v Value, _ int64) error {
	if v == nil {
		return nil
	}
	if a.s.n == 0 {
		return fmt.Errorf("SUM: %w", ErrRetractUnknown)
	}
	a.s.add(v, -1)
	return nil
}

func (a *sumAcc) Result() Value                  { return a.s.value(a.scale) }
func (a *sumAcc) MarshalBinary() ([]byte, error) { return a.s.marshal(nil), nil }
func (a *sumAcc) AppendBinary(dst []byte) ([]byte, error) {
	return a.s.marshal(dst), nil
}
func (a *sumAcc) UnmarshalBinary(b []byte) error {
	if err := a.s.unmarshal(b); err != nil {
		return fmt.Errorf("SUM state: %w", err)
	}
	return nil
}

// avgAcc is AVG: an exact sum and a count; the result is DOUBLE, 0.0 for
// no values (as ksqlDB).
type avgAcc struct{ s numSum }

func newAvg(c *AggregateCall) Accumulator {
	s := newNumSum(c.Arg.Type)
	if s.kind == KindInt || s.kind == KindBigint {
		s.kind = KindBigint // sum INTs in a long, as ksqlDB
	}
	return &avgAcc{s: s}
}

func (a *avgAcc) Add(v Value, _ int64) error {
	if v != nil {
		if x, ok := v.(int32); ok {
			v = int64(x)
		}
		a.s.add(v, 1)
	}
	return nil
}

func (a *avgAcc) Retract(v Value, _ int64) error {
	if v == nil {
		return nil
	}
	if a.s.n == 0 {
		return fmt.Errorf("AVG: %w", ErrRetractUnknown)
	}
	if x, ok := v.(int32); ok {
		v = int64(x)
	}
	a.s.add(v, -1)
	return nil
}

func (a *avgAcc) Result() Value {
	if a.s.n == 0 {
		return 0.0
	}
	var sum float64
	switch a.s.kind {
	case KindBigint:
		sum = float64(a.s.i)
	case KindDouble:
		sum = a.s.float()
	default:
		sum = Decimal{coef: &a.s.big, scale: int32(a.s.scale)}.Float64()
	}
	return sum / float64(a.s.n)
}

func (a *avgAcc) MarshalBinary() ([]byte, error) { return a.s.marshal(nil), nil }
func (a *avgAcc) AppendBinary(dst []byte) ([]byte, error) {
	return a.s.marshal(dst), nil
}
func (a *avgAcc) UnmarshalBinary(b []byte) error {
	if err := a.s.unmarshal(b); err != nil {
		return fmt.Errorf("AVG state: %w", err)
	}
	return nil
}
