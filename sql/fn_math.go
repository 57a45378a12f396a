package sql

import (
	"math"
	"math/big"
)

func mathFuncs() []*scalarFunc {
	return []*scalarFunc{
		{name: "ABS", minArgs: 1, maxArgs: 1, signature: "ABS(numeric)", nullOnNull: true, bind: bindAbs},
		{name: "ROUND", minArgs: 1, maxArgs: 2, signature: "ROUND(numeric [, INTEGER])", nullOnNull: true, bind: bindRound},
	}
}

var numericKinds = []Kind{KindInt, KindBigint, KindDouble, KindDecimal}

func bindAbs(args []*CompiledExpr) (*Type, implFn, int, string) {
	if msg := wantKinds(args, 0, numericKinds...); msg != "" {
		return nil, nil, 0, msg
	}
	return args[0].Type, func(vals []Value) (Value, error) {
		switch x := vals[0].(type) {
		case int32:
			if x < 0 {
				return -x, nil
			}
			return x, nil
		case int64:
			if x < 0 {
				return -x, nil
			}
			return x, nil
		case float64:
			return math.Abs(x), nil
		case Decimal:
			return x.Abs(), nil
		}
		return nil, nil
	}, -1, ""
}

// bindRound is ksqlDB's ROUND: half up toward positive infinity for ties
// (Java's Math.round: ROUND(-1.5) is -1); ROUND(INT|BIGINT|DOUBLE) is
// BIGINT, ROUND(DOUBLE, n) DOUBLE, ROUND(DECIMAL) DECIMAL scale 0,
// ROUND(DECIMAL, n) keeps the input scale.
func bindRound(args []*CompiledExpr) (*Type, implFn, int, string) {
	if msg := wantKinds(args, 0, numericKinds...); msg != "" {
		return nil, nil, 0, msg
	}
	if msg := wantKinds(args, 1, KindInt, KindBigint); msg != "" {
		return nil, nil, 1, msg
	}
	t := args[0].Type
	withDigits := len(args) == 2
	switch {
	case t.Kind == KindDecimal && withDigits:
		return t, func(vals []Value) (Value, error) {
			return roundDecimal(vals[0].(Decimal), int(toInt64(vals[1]))).Rescale(t.Scale), nil
		}, -1, ""
	case t.Kind == KindDecimal:
		// ksqlDB gives DECIMAL(p-s, 0); one more digit keeps 9.5 → 10 exact.
		rt := DecimalType(min(max(t.Precision-t.Scale+1, 1), MaxDecimalPrecision), 0)
		return rt, func(vals []Value) (Value, error) { return roundDecimal(vals[0].(Decimal), 0), nil }, -1, ""
	case withDigits:
		return TypeDouble, func(vals []Value) (Value, error) {
			f := toFloat(vals[0])
			if math.IsNaN(f) || math.IsInf(f, 0) {
				return f, nil
			}
			d, _ := DecimalFromFloat(f)
			return roundDecimal(d, int(toInt64(vals[1]))).Float64(), nil
		}, -1, ""
	}
	return TypeBigint, func(vals []Value) (Value, error) {
		switch x := vals[0].(type) {
		case float64:
			return javaMathRound(x), nil
		case Decimal:
			return truncInt(roundDecimal(x, 0)), nil
		}
		return toInt64(vals[0]), nil
	}, -1, ""
}

// roundDecimal rounds to places digits, ties toward positive infinity
// (HALF_UP for positives, HALF_DOWN for negatives, as ksqlDB); negative
// places round left of the point.
func roundDecimal(d Decimal, places int) Decimal {
	if places >= d.Scale() {
		return d
	}
	// floor((coef + 10^drop / 2) / 10^drop), in integers: floor((2·coef + 10^drop) / (2·10^drop)).
	drop := d.Scale() - places
	den := new(big.Int).Lsh(pow10(drop), 1)
	num := new(big.Int).Lsh(d.c(), 1)
	num.Add(num, pow10(drop))
	q := new(big.Int).Div(num, den) // Euclidean: floor for a positive divisor
	if places < 0 {
		return Decimal{coef: q.Mul(q, pow10(-places)), scale: 0}
	}
	return Decimal{coef: q, scale: int32(places)}
}

// javaMathRound is Java's Math.round(double): floor(x + 0.5), saturating.
func javaMathRound(x float64) int64 {
	if math.IsNaN(x) {
		return 0
	}
	r := math.Floor(x + 0.5)
	if x+0.5 == x { // large values: already integral
		r = x
	}
	// Math.round(0.49999999999999994) is 0: x+0.5 rounds up to 1 in doubles.
	if r-x > 0.5 {
		r--
	}
	switch {
	case r >= math.MaxInt64:
		return math.MaxInt64
	case r <= math.MinInt64:
		return math.MinInt64
	}
	return int64(r)
}
