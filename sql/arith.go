package sql

import (
	"math"
	"strconv"
)

// arithmeticType is the result type of l op r (ksqlDB's rules: integers
// widen to BIGINT, anything with DOUBLE is DOUBLE, DECIMAL precision and
// scale as SQL Server computes them), or nil when the operands are not
// numeric.
func arithmeticType(op string, l, r *Type) *Type {
	if l.Kind == KindNull && r.Kind == KindNull {
		return TypeInt
	}
	if l.Kind == KindNull {
		l = r
	}
	if r.Kind == KindNull {
		r = l
	}
	if !l.IsNumeric() || !r.IsNumeric() {
		return nil
	}
	if l.Kind != KindDecimal && r.Kind != KindDecimal {
		return widerNumeric(l, r)
	}
	if l.Kind == KindDouble || r.Kind == KindDouble {
		return TypeDouble
	}
	a, b := asDecimalType(l), asDecimalType(r)
	p1, s1, p2, s2 := a.Precision, a.Scale, b.Precision, b.Scale
	var p, s int
	switch op {
	case "+", "-":
		s = max(s1, s2)
		p = max(p1-s1, p2-s2) + s + 1
	case "*":
		p, s = p1+p2+1, s1+s2
	case "/":
		s = max(6, s1+p2+1)
		p = p1 - s1 + s2 + s
	default: // %
		s = max(s1, s2)
		p = min(p1-s1, p2-s2) + s
	}
	p = min(max(p, 1), MaxDecimalPrecision)
	return DecimalType(p, min(s, p))
}

func (c *compiler) arithmetic(e *Binary) (*CompiledExpr, error) {
	xs, err := c.compileAll(e.L, e.R)
	if err != nil {
		return nil, err
	}
	l, r := xs[0], xs[1]
	t := arithmeticType(e.Op, l.Type, r.Type)
	if t == nil {
		return nil, errorf(e.At, e.Op, "operator '%s' cannot be applied to %s and %s (%s)", e.Op, l.Type, r.Type, e.String())
	}
	op := arithmeticOp(e.Op, t)
	operand := t
	if t.Kind == KindDecimal {
		operand = nil // decimals keep their own scales; op rescales
	}
	lf, rf := l.fn, r.fn
	if operand != nil {
		lf, rf = coerce(l, operand).fn, coerce(r, operand).fn
	}
	return &CompiledExpr{Type: t, Text: e.String(), canon: "(" + l.canon + e.Op + r.canon + ")",
		constant: l.constant && r.constant, fn: nullPropagating2(lf, rf, op)}, nil
}

// arithmeticOp returns the operation on two non-null operands already
// converted to t (decimals: any numeric, converted here). Integer overflow
// wraps as Java's does; division by zero of integers or decimals is NULL.
func arithmeticOp(op string, t *Type) func(a, b Value) Value {
	switch t.Kind {
	case KindInt:
		return intOp(op)
	case KindBigint:
		return bigintOp(op)
	case KindDouble:
		return doubleOp(op)
	}
	return decimalOp(op, t)
}

func intOp(op string) func(a, b Value) Value {
	switch op {
	case "+":
		return func(a, b Value) Value { return a.(int32) + b.(int32) }
	case "-":
		return func(a, b Value) Value { return a.(int32) - b.(int32) }
	case "*":
		return func(a, b Value) Value { return a.(int32) * b.(int32) }
	case "/":
		return func(a, b Value) Value {
			x, y := a.(int32), b.(int32)
			if y == 0 {
				return nil
			}
			if x == math.MinInt32 && y == -1 {
				return x
			}
			return x / y
		}
	}
	return func(a, b Value) Value {
		if b.(int32) == 0 || b.(int32) == -1 {
			if b.(int32) == -1 {
				return int32(0)
			}
			return nil
		}
		return a.(int32) % b.(int32)
	}
}

func bigintOp(op string) func(a, b Value) Value {
	switch op {
	case "+":
		return func(a, b Value) Value { return a.(int64) + b.(int64) }
	case "-":
		return func(a, b Value) Value { return a.(int64) - b.(int64) }
	case "*":
		return func(a, b Value) Value { return a.(int64) * b.(int64) }
	case "/":
		return func(a, b Value) Value {
			x, y := a.(int64), b.(int64)
			if y == 0 {
				return nil
			}
			if x == math.MinInt64 && y == -1 {
				return x
			}
			return x / y
		}
	}
	return func(a, b Value) Value {
		if b.(int64) == 0 {
			return nil
		}
		if b.(int64) == -1 {
			return int64(0)
		}
		return a.(int64) % b.(int64)
	}
}

func doubleOp(op string) func(a, b Value) Value {
	switch op {
	case "+":
		return func(a, b Value) Value { return a.(float64) + b.(float64) }
	case "-":
		return func(a, b Value) Value { return a.(float64) - b.(float64) }
	case "*":
		return func(a, b Value) Value { return a.(float64) * b.(float64) }
	case "/":
		return func(a, b Value) Value { return a.(float64) / b.(float64) }
	}
	return func(a, b Value) Value { return math.Mod(a.(float64), b.(float64)) }
}

func decimalOp(op string, t *Type) func(a, b Value) Value {
	scale := t.Scale
	switch op {
	case "+":
		return func(a, b Value) Value { return toDecimal(a).Add(toDecimal(b)).Rescale(scale) }
	case "-":
		return func(a, b Value) Value { return toDecimal(a).Sub(toDecimal(b)).Rescale(scale) }
	case "*":
		return func(a, b Value) Value { return toDecimal(a).Mul(toDecimal(b)).Rescale(scale) }
	case "/":
		return func(a, b Value) Value {
			d := toDecimal(b)
			if d.Sign() == 0 {
				return nil
			}
			return toDecimal(a).Quo(d, scale)
		}
	}
	return func(a, b Value) Value {
		d := toDecimal(b)
		if d.Sign() == 0 {
			return nil
		}
		return toDecimal(a).Rem(d).Rescale(scale)
	}
}

// itoa is strconv.Itoa, short for messages.
func itoa(i int) string { return strconv.Itoa(i) }
