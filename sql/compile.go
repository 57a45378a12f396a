package sql

import (
	"math/big"
	"strconv"
	"strings"
)

// compiler type-checks AST expressions and compiles them to closures.
type compiler struct {
	sc *scope
	// agg is set when compiling over the aggregate row (SELECT and HAVING
	// of an aggregating query).
	agg *aggEnv
	// clause names where aggregates are not allowed ("WHERE", …), "" when
	// they are (post-aggregation) or are collected separately.
	clause string
	// used records the joined-row indexes referenced, for join analysis.
	used map[int]bool
}

// aggEnv describes the aggregate row for post-aggregation compilation.
type aggEnv struct {
	groups   []*CompiledExpr
	calls    []*AggregateCall
	windowed bool
}

func (c *compiler) input() *compiler {
	return &compiler{sc: c.sc, clause: c.clause, used: c.used}
}

// compile compiles e in c's context.
func (c *compiler) compile(e Expr) (*CompiledExpr, error) {
	if c.agg != nil {
		if ce, ok, err := c.compilePostAgg(e); ok || err != nil {
			return ce, err
		}
	}
	switch e := e.(type) {
	case *Literal:
		return compileLiteral(e)
	case *ColumnRef:
		return c.column(e)
	case *Deref:
		return c.deref(e)
	case *Subscript:
		return c.subscript(e)
	case *Unary:
		return c.unary(e)
	case *Not:
		return c.not(e)
	case *Binary:
		return c.binary(e)
	case *IsNull:
		return c.isNull(e)
	case *IsDistinct:
		return c.isDistinct(e)
	case *Between:
		return c.between(e)
	case *In:
		return c.in(e)
	case *Like:
		return c.like(e)
	case *Case:
		return c.caseExpr(e)
	case *Cast:
		return c.cast(e)
	case *Call:
		return c.call(e)
	case *ArrayCtor:
		return c.arrayCtor(e)
	case *StructCtor:
		return c.structCtor(e)
	}
	return nil, errorf(e.Pos(), e.String(), "unsupported expression '%s'", e.String())
}

// compileAll compiles es in order, stopping at the first error.
func (c *compiler) compileAll(es ...Expr) ([]*CompiledExpr, error) {
	out := make([]*CompiledExpr, len(es))
	for i, e := range es {
		ce, err := c.compile(e)
		if err != nil {
			return nil, err
		}
		out[i] = ce
	}
	return out, nil
}

// compilePostAgg maps aggregate calls and GROUP BY expressions to the
// aggregate row's slots; ok is false when e must be compiled structurally.
func (c *compiler) compilePostAgg(e Expr) (*CompiledExpr, bool, error) {
	if call, isCall := e.(*Call); isCall && isAggregateName(call.Name.Name) {
		text, err := c.input().aggregateCanon(call)
		if err != nil {
			return nil, true, err
		}
		for i, ac := range c.agg.calls {
			if ac.Text == text {
				return slotExpr(len(c.agg.groups)+i, ac.Result, e.String()), true, nil
			}
		}
		return nil, true, errorf(call.At, call.Name.Name, "internal: aggregate %s not collected", text)
	}
	if containsAggregate(e) {
		return nil, false, nil
	}
	in, err := c.input().compile(e)
	if err != nil {
		return nil, true, err
	}
	if in.constant {
		return in, true, nil
	}
	for i, g := range c.agg.groups {
		if g.canon == in.canon {
			return slotExpr(i, g.Type, e.String()), true, nil
		}
	}
	if ref, isRef := e.(*ColumnRef); isRef {
		if ref.Qualifier.Name == "" && (ref.Name.Name == "WINDOWSTART" || ref.Name.Name == "WINDOWEND") && c.agg.windowed {
			slot := len(c.agg.groups) + len(c.agg.calls)
			if ref.Name.Name == "WINDOWEND" {
				slot++
			}
			return slotExpr(slot, TypeBigint, ref.Name.Name), true, nil
		}
		if len(c.agg.groups) == 0 {
			return nil, true, errorf(ref.At, ref.String(), "column '%s' is not aggregated: a query with aggregate functions needs GROUP BY", ref.String())
		}
		return nil, true, errorf(ref.At, ref.String(), "column '%s' must be in GROUP BY or inside an aggregate function", ref.String())
	}
	return nil, false, nil
}

func slotExpr(i int, t *Type, text string) *CompiledExpr {
	return &CompiledExpr{Type: t, Text: text, canon: "@" + strconv.Itoa(i),
		fn: func(r Row) (Value, error) {
			if i < len(r) {
				return r[i], nil
			}
			return nil, nil
		}}
}

// containsAggregate reports whether e calls an aggregate function.
func containsAggregate(e Expr) bool {
	found := false
	walkExpr(e, func(x Expr) {
		if call, ok := x.(*Call); ok && isAggregateName(call.Name.Name) {
			found = true
		}
	})
	return found
}

// walkExpr calls fn on e and every sub-expression.
func walkExpr(e Expr, fn func(Expr)) {
	if e == nil {
		return
	}
	fn(e)
	switch e := e.(type) {
	case *Deref:
		walkExpr(e.X, fn)
	case *Subscript:
		walkExpr(e.X, fn)
		walkExpr(e.Index, fn)
	case *Unary:
		walkExpr(e.X, fn)
	case *Not:
		walkExpr(e.X, fn)
	case *Binary:
		walkExpr(e.L, fn)
		walkExpr(e.R, fn)
	case *IsNull:
		walkExpr(e.X, fn)
	case *IsDistinct:
		walkExpr(e.X, fn)
		walkExpr(e.Y, fn)
	case *Between:
		walkExpr(e.X, fn)
		walkExpr(e.Lo, fn)
		walkExpr(e.Hi, fn)
	case *In:
		walkExpr(e.X, fn)
		for _, x := range e.List {
			walkExpr(x, fn)
		}
	case *Like:
		walkExpr(e.X, fn)
		walkExpr(e.Pattern, fn)
	case *Case:
		walkExpr(e.Operand, fn)
		for _, w := range e.Whens {
			walkExpr(w.Cond, fn)
			walkExpr(w.Result, fn)
		}
		walkExpr(e.Else, fn)
	case *Cast:
		walkExpr(e.X, fn)
	case *Call:
		for _, a := range e.Args {
			walkExpr(a, fn)
		}
	case *ArrayCtor:
		for _, a := range e.Elems {
			walkExpr(a, fn)
		}
	case *StructCtor:
		for _, a := range e.Values {
			walkExpr(a, fn)
		}
	}
}

func compileLiteral(e *Literal) (*CompiledExpr, error) {
	text := e.String()
	switch e.Kind {
	case LitNull:
		return constExpr(TypeNull, text, nil), nil
	case LitBool:
		return constExpr(TypeBoolean, text, e.Value == "TRUE"), nil
	case LitString:
		return constExpr(TypeString, text, e.Value), nil
	case LitInteger:
		n, err := strconv.ParseInt(e.Value, 10, 64)
		if err != nil {
			return compileDecimalLiteral(e)
		}
		if int64(int32(n)) == n {
			return constExpr(TypeInt, text, int32(n)), nil
		}
		return constExpr(TypeBigint, text, n), nil
	case LitDecimal:
		return compileDecimalLiteral(e)
	case LitDouble:
		f, err := strconv.ParseFloat(e.Value, 64)
		if err != nil {
			return nil, errorf(e.At, e.Value, "invalid number %s", e.Value)
		}
		return constExpr(TypeDouble, text, f), nil
	}
	return nil, errorf(e.At, text, "unsupported literal %s", text)
}

func compileDecimalLiteral(e *Literal) (*CompiledExpr, error) {
	d, err := ParseDecimal(e.Value)
	if err != nil {
		return nil, errorf(e.At, e.Value, "invalid number %s", e.Value)
	}
	p := max(d.Precision(), d.Scale())
	if p > MaxDecimalPrecision {
		return nil, errorf(e.At, e.Value, "number %s has more than %d digits", e.Value, MaxDecimalPrecision)
	}
	return constExpr(DecimalType(p, d.Scale()), e.String(), d), nil
}

func (c *compiler) column(e *ColumnRef) (*CompiledExpr, error) {
	i, t, err := c.sc.resolve(e)
	if err != nil {
		return nil, err
	}
	if c.used != nil {
		c.used[i] = true
	}
	return &CompiledExpr{Type: t, Text: e.String(), canon: colCanon(i), fn: func(r Row) (Value, error) {
		if i < len(r) {
			return r[i], nil
		}
		return nil, nil
	}}, nil
}

func (c *compiler) deref(e *Deref) (*CompiledExpr, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	if x.Type.Kind != KindStruct {
		return nil, errorf(e.At, "->", "cannot access field '%s' of %s (type %s): '->' needs a STRUCT", e.Field.Name, e.X.String(), x.Type)
	}
	i := x.Type.FieldIndex(e.Field.Name)
	if i < 0 {
		names := make([]string, len(x.Type.Fields))
		for k, f := range x.Type.Fields {
			names[k] = f.Name
		}
		return nil, errorf(e.Field.At, e.Field.Name, "unknown field '%s' in %s%s", e.Field.Name, e.X.String(), didYouMean(e.Field.Name, names))
	}
	xf := x.fn
	return &CompiledExpr{Type: x.Type.Fields[i].Type, Text: e.String(), canon: x.canon + "->" + e.Field.Name,
		fn: func(r Row) (Value, error) {
			v, err := xf(r)
			if s, ok := v.(Struct); ok && i < len(s) {
				return s[i], err
			}
			return nil, err
		}}, nil
}

func (c *compiler) subscript(e *Subscript) (*CompiledExpr, error) {
	xs, err := c.compileAll(e.X, e.Index)
	if err != nil {
		return nil, err
	}
	x, idx := xs[0], xs[1]
	xf, ixf := x.fn, idx.fn
	canon := x.canon + "[" + idx.canon + "]"
	switch x.Type.Kind {
	case KindArray:
		if idx.Type.Kind != KindInt && idx.Type.Kind != KindBigint && idx.Type.Kind != KindNull {
			return nil, errorf(e.Index.Pos(), e.Index.String(), "array index must be INTEGER or BIGINT, found %s", idx.Type)
		}
		return &CompiledExpr{Type: x.Type.Elem, Text: e.String(), canon: canon, fn: func(r Row) (Value, error) {
			a, err := xf(r)
			if err != nil {
				return nil, err
			}
			iv, err := ixf(r)
			arr, ok := a.([]Value)
			if err != nil || !ok || iv == nil {
				return nil, err
			}
			return arrayElem(arr, toInt64(iv)), nil
		}}, nil
	case KindMap:
		if idx.Type.Kind != KindString && idx.Type.Kind != KindNull {
			return nil, errorf(e.Index.Pos(), e.Index.String(), "map key must be STRING, found %s", idx.Type)
		}
		return &CompiledExpr{Type: x.Type.Elem, Text: e.String(), canon: canon, fn: func(r Row) (Value, error) {
			m, err := xf(r)
			if err != nil {
				return nil, err
			}
			k, err := ixf(r)
			mm, ok := m.(map[string]Value)
			ks, kok := k.(string)
			if err != nil || !ok || !kok {
				return nil, err
			}
			return mm[ks], nil
		}}, nil
	}
	return nil, errorf(e.At, "[", "cannot subscript %s of type %s: '[]' needs an ARRAY or a MAP", e.X.String(), x.Type)
}

// arrayElem returns arr[i] with ksqlDB's 1-based (negative from the end)
// indexing, NULL when out of range.
func arrayElem(arr []Value, i int64) Value {
	switch {
	case i > 0 && i <= int64(len(arr)):
		return arr[i-1]
	case i < 0 && -i <= int64(len(arr)):
		return arr[int64(len(arr))+i]
	}
	return nil
}

func (c *compiler) unary(e *Unary) (*CompiledExpr, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	if !x.Type.IsNumeric() && x.Type.Kind != KindNull {
		return nil, errorf(e.At, e.Op, "operator '%s' cannot be applied to %s (%s)", e.Op, x.Type, e.X.String())
	}
	if e.Op == "+" {
		return x, nil
	}
	return &CompiledExpr{Type: x.Type, Text: e.String(), canon: "-(" + x.canon + ")", constant: x.constant,
		fn: nullPropagating1(x.fn, negate)}, nil
}

func negate(v Value) Value {
	switch x := v.(type) {
	case int32:
		return -x
	case int64:
		return -x
	case float64:
		return -x
	case Decimal:
		return x.Neg()
	}
	return nil
}

func (c *compiler) boolOperand(e Expr, what string) (*CompiledExpr, error) {
	x, err := c.compile(e)
	if err != nil {
		return nil, err
	}
	if x.Type.Kind != KindBoolean && x.Type.Kind != KindNull {
		return nil, errorf(e.Pos(), e.String(), "%s must be BOOLEAN, found %s: %s", what, x.Type, e.String())
	}
	return x, nil
}

func (c *compiler) not(e *Not) (*CompiledExpr, error) {
	x, err := c.boolOperand(e.X, "operand of NOT")
	if err != nil {
		return nil, err
	}
	xf := x.fn
	return &CompiledExpr{Type: TypeBoolean, Text: e.String(), canon: "NOT(" + x.canon + ")", constant: x.constant,
		fn: func(r Row) (Value, error) {
			v, err := xf(r)
			if b, ok := v.(bool); ok {
				return !b, err
			}
			return nil, err
		}}, nil
}

func (c *compiler) binary(e *Binary) (*CompiledExpr, error) {
	switch e.Op {
	case "AND", "OR":
		return c.logical(e)
	case "=", "<>", "<", "<=", ">", ">=":
		return c.comparison(e)
	case "||":
		return c.concat(e)
	}
	return c.arithmetic(e)
}

func (c *compiler) logical(e *Binary) (*CompiledExpr, error) {
	l, err := c.boolOperand(e.L, "operand of "+e.Op)
	if err != nil {
		return nil, err
	}
	r, err := c.boolOperand(e.R, "operand of "+e.Op)
	if err != nil {
		return nil, err
	}
	lf, rf := l.fn, r.fn
	isAnd := e.Op == "AND"
	// Three-valued logic: FALSE AND NULL is FALSE, TRUE OR NULL is TRUE.
	return &CompiledExpr{Type: TypeBoolean, Text: e.String(), canon: "(" + l.canon + " " + e.Op + " " + r.canon + ")",
		constant: l.constant && r.constant, fn: func(row Row) (Value, error) {
			lv, err := lf(row)
			if err != nil {
				return nil, err
			}
			if lb, ok := lv.(bool); ok && lb != isAnd {
				return lb, nil
			}
			rv, err := rf(row)
			if err != nil {
				return nil, err
			}
			rb, rok := rv.(bool)
			if rok && rb != isAnd {
				return rb, nil
			}
			if lv == nil || rv == nil {
				return nil, nil
			}
			return isAnd, nil
		}}, nil
}

func (c *compiler) concat(e *Binary) (*CompiledExpr, error) {
	xs, err := c.compileAll(e.L, e.R)
	if err != nil {
		return nil, err
	}
	l, r := xs[0], xs[1]
	for _, x := range xs {
		if x.Type.Kind != KindString && x.Type.Kind != KindNull {
			return nil, errorf(e.At, "||", "operator '||' needs STRING operands, found %s (%s)", x.Type, x.Text)
		}
	}
	lf, rf := l.fn, r.fn
	return &CompiledExpr{Type: TypeString, Text: e.String(), canon: "(" + l.canon + "||" + r.canon + ")",
		constant: l.constant && r.constant, fn: func(row Row) (Value, error) {
			lv, err := lf(row)
			if err != nil {
				return nil, err
			}
			rv, err := rf(row)
			if err != nil {
				return nil, err
			}
			ls, lok := lv.(string)
			rs, rok := rv.(string)
			if !lok || !rok {
				return nil, nil
			}
			return ls + rs, nil
		}}, nil
}

// comparable reports whether values of a and b can be compared with op.
func comparableTypes(a, b *Type, op string) bool {
	if a.Kind == KindNull || b.Kind == KindNull {
		return true
	}
	if a.IsNumeric() && b.IsNumeric() {
		return true
	}
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case KindArray, KindMap, KindStruct:
		return (op == "=" || op == "<>") && a.Equal(b)
	}
	return true
}

func (c *compiler) comparison(e *Binary) (*CompiledExpr, error) {
	xs, err := c.compileAll(e.L, e.R)
	if err != nil {
		return nil, err
	}
	l, r := xs[0], xs[1]
	if !comparableTypes(l.Type, r.Type, e.Op) {
		return nil, errorf(e.At, e.Op, "cannot compare %s (%s) with %s (%s) using '%s'", e.L.String(), l.Type, e.R.String(), r.Type, e.Op)
	}
	return &CompiledExpr{Type: TypeBoolean, Text: e.String(), canon: "(" + l.canon + e.Op + r.canon + ")",
		constant: l.constant && r.constant, fn: nullPropagating2(l.fn, r.fn, comparisonOp(e.Op))}, nil
}

// comparisonOp maps an operator to its test on two non-null values.
func comparisonOp(op string) func(a, b Value) Value {
	switch op {
	case "=":
		return func(a, b Value) Value { return compareNonNull(a, b) == 0 }
	case "<>":
		return func(a, b Value) Value { return compareNonNull(a, b) != 0 }
	case "<":
		return func(a, b Value) Value { return compareNonNull(a, b) < 0 }
	case "<=":
		return func(a, b Value) Value { return compareNonNull(a, b) <= 0 }
	case ">":
		return func(a, b Value) Value { return compareNonNull(a, b) > 0 }
	}
	return func(a, b Value) Value { return compareNonNull(a, b) >= 0 }
}

// compareNonNull orders two non-null values as Compare does; complex values
// only support equality, so unequal ones order as 1.
func compareNonNull(a, b Value) int {
	if cmp, ok := Compare(a, b); ok {
		return cmp
	}
	if Equal(a, b) {
		return 0
	}
	return 1
}

func (c *compiler) isNull(e *IsNull) (*CompiledExpr, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	xf, neg := x.fn, e.Not
	return &CompiledExpr{Type: TypeBoolean, Text: e.String(), canon: "ISNULL(" + x.canon + strconv.FormatBool(neg) + ")",
		constant: x.constant, fn: func(r Row) (Value, error) {
			v, err := xf(r)
			return (v == nil) != neg, err
		}}, nil
}

func (c *compiler) isDistinct(e *IsDistinct) (*CompiledExpr, error) {
	xs, err := c.compileAll(e.X, e.Y)
	if err != nil {
		return nil, err
	}
	x, y := xs[0], xs[1]
	if !comparableTypes(x.Type, y.Type, "=") {
		return nil, errorf(e.At, "IS", "cannot compare %s (%s) with %s (%s)", e.X.String(), x.Type, e.Y.String(), y.Type)
	}
	xf, yf, neg := x.fn, y.fn, e.Not
	return &CompiledExpr{Type: TypeBoolean, Text: e.String(), canon: "DISTINCT(" + x.canon + "," + y.canon + strconv.FormatBool(neg) + ")",
		fn: func(r Row) (Value, error) {
			a, err := xf(r)
			if err != nil {
				return nil, err
			}
			b, err := yf(r)
			if err != nil {
				return nil, err
			}
			same := equalOrBothNull(a, b)
			return same == neg, nil
		}}, nil
}

func (c *compiler) between(e *Between) (*CompiledExpr, error) {
	xs, err := c.compileAll(e.X, e.Lo, e.Hi)
	if err != nil {
		return nil, err
	}
	x, lo, hi := xs[0], xs[1], xs[2]
	for _, b := range xs[1:] {
		if !comparableTypes(x.Type, b.Type, "<") {
			return nil, errorf(e.At, "BETWEEN", "cannot compare %s (%s) with %s (%s) in BETWEEN", e.X.String(), x.Type, b.Text, b.Type)
		}
	}
	xf, lf, hf, neg := x.fn, lo.fn, hi.fn, e.Not
	return &CompiledExpr{Type: TypeBoolean, Text: e.String(), canon: "BETWEEN(" + x.canon + "," + lo.canon + "," + hi.canon + strconv.FormatBool(neg) + ")",
		fn: func(r Row) (Value, error) {
			v, err := xf(r)
			if err != nil || v == nil {
				return nil, err
			}
			l, err := lf(r)
			if err != nil || l == nil {
				return nil, err
			}
			h, err := hf(r)
			if err != nil || h == nil {
				return nil, err
			}
			c1, _ := Compare(v, l)
			c2, _ := Compare(v, h)
			return (c1 >= 0 && c2 <= 0) != neg, nil
		}}, nil
}

func (c *compiler) in(e *In) (*CompiledExpr, error) {
	x, err := c.compile(e.X)
	if err != nil {
		return nil, err
	}
	list := make([]evalFn, len(e.List))
	canons := make([]string, len(e.List))
	for i, item := range e.List {
		ce, err := c.compile(item)
		if err != nil {
			return nil, err
		}
		if !comparableTypes(x.Type, ce.Type, "=") {
			return nil, errorf(item.Pos(), item.String(), "cannot compare %s (%s) with %s (%s) in IN", e.X.String(), x.Type, item.String(), ce.Type)
		}
		list[i], canons[i] = ce.fn, ce.canon
	}
	xf, neg := x.fn, e.Not
	return &CompiledExpr{Type: TypeBoolean, Text: e.String(), canon: "IN(" + x.canon + ";" + strings.Join(canons, ",") + strconv.FormatBool(neg) + ")",
		fn: func(r Row) (Value, error) {
			v, err := xf(r)
			if err != nil || v == nil {
				return nil, err
			}
			sawNull := false
			for _, f := range list {
				w, err := f(r)
				if err != nil {
					return nil, err
				}
				if w == nil {
					sawNull = true
					continue
				}
				if Equal(v, w) {
					return !neg, nil
				}
			}
			if sawNull {
				return nil, nil
			}
			return neg, nil
		}}, nil
}

// commonType is the type two branches unify to (CASE, COALESCE, IN).
func commonType(a, b *Type) (*Type, bool) {
	switch {
	case a.Kind == KindNull:
		return b, true
	case b.Kind == KindNull || a.Equal(b):
		return a, true
	case a.IsNumeric() && b.IsNumeric():
		return widerNumeric(a, b), true
	}
	return nil, false
}

// widerNumeric promotes INT < BIGINT < DECIMAL < DOUBLE, as ksqlDB.
func widerNumeric(a, b *Type) *Type {
	if a.Kind == KindDouble || b.Kind == KindDouble {
		return TypeDouble
	}
	if a.Kind == KindDecimal || b.Kind == KindDecimal {
		da, db := asDecimalType(a), asDecimalType(b)
		s := max(da.Scale, db.Scale)
		p := max(da.Precision-da.Scale, db.Precision-db.Scale) + s
		return DecimalType(min(p, MaxDecimalPrecision), s)
	}
	if a.Kind == KindBigint || b.Kind == KindBigint {
		return TypeBigint
	}
	return TypeInt
}

// asDecimalType is the DECIMAL an integer type converts to exactly.
func asDecimalType(t *Type) *Type {
	switch t.Kind {
	case KindInt:
		return DecimalType(10, 0)
	case KindBigint:
		return DecimalType(19, 0)
	}
	return t
}

// coerce wraps x so that it yields values of type t (numeric widening).
func coerce(x *CompiledExpr, t *Type) *CompiledExpr {
	if x.Type.Equal(t) || x.Type.Kind == KindNull || !t.IsNumeric() {
		return x
	}
	return &CompiledExpr{Type: t, Text: x.Text, canon: x.canon, constant: x.constant,
		fn: nullPropagating1(x.fn, numericConverter(t))}
}

// numericConverter converts any numeric value to t's representation.
func numericConverter(t *Type) func(Value) Value {
	switch t.Kind {
	case KindInt:
		return func(v Value) Value { return int32(toInt64(v)) }
	case KindBigint:
		return func(v Value) Value { return toInt64(v) }
	case KindDouble:
		return func(v Value) Value { return toFloat(v) }
	}
	scale := t.Scale
	return func(v Value) Value { return toDecimal(v).Rescale(scale) }
}

func (c *compiler) caseExpr(e *Case) (*CompiledExpr, error) {
	var operand *CompiledExpr
	var err error
	if e.Operand != nil {
		if operand, err = c.compile(e.Operand); err != nil {
			return nil, err
		}
	}
	conds := make([]evalFn, len(e.Whens))
	results := make([]*CompiledExpr, len(e.Whens))
	resType := TypeNull
	var canon strings.Builder
	canon.WriteString("CASE(")
	for i, w := range e.Whens {
		cond, err := c.caseCond(operand, w.Cond)
		if err != nil {
			return nil, err
		}
		res, err := c.compile(w.Result)
		if err != nil {
			return nil, err
		}
		t, ok := commonType(resType, res.Type)
		if !ok {
			return nil, errorf(w.Result.Pos(), w.Result.String(), "CASE branches have different types: %s and %s (%s)", resType, res.Type, w.Result.String())
		}
		resType, conds[i], results[i] = t, cond.fn, res
		canon.WriteString(cond.canon + "?" + res.canon + ";")
	}
	var elseX *CompiledExpr
	if e.Else != nil {
		if elseX, err = c.compile(e.Else); err != nil {
			return nil, err
		}
		t, ok := commonType(resType, elseX.Type)
		if !ok {
			return nil, errorf(e.Else.Pos(), e.Else.String(), "CASE branches have different types: %s and %s (%s)", resType, elseX.Type, e.Else.String())
		}
		resType = t
		canon.WriteString("ELSE" + elseX.canon)
	}
	resFns := make([]evalFn, len(results))
	for i, r := range results {
		resFns[i] = coerce(r, resType).fn
	}
	var elseFn evalFn
	if elseX != nil {
		elseFn = coerce(elseX, resType).fn
	}
	return &CompiledExpr{Type: resType, Text: e.String(), canon: canon.String() + ")", fn: func(r Row) (Value, error) {
		for i, cf := range conds {
			v, err := cf(r)
			if err != nil {
				return nil, err
			}
			if b, _ := v.(bool); b {
				return resFns[i](r)
			}
		}
		if elseFn != nil {
			return elseFn(r)
		}
		return nil, nil
	}}, nil
}

// caseCond compiles a WHEN condition; for a simple CASE it is operand = value.
func (c *compiler) caseCond(operand *CompiledExpr, cond Expr) (*CompiledExpr, error) {
	if operand == nil {
		return c.boolOperand(cond, "WHEN condition")
	}
	v, err := c.compile(cond)
	if err != nil {
		return nil, err
	}
	if !comparableTypes(operand.Type, v.Type, "=") {
		return nil, errorf(cond.Pos(), cond.String(), "cannot compare CASE operand (%s) with %s (%s)", operand.Type, cond.String(), v.Type)
	}
	of, vf := operand.fn, v.fn
	return &CompiledExpr{Type: TypeBoolean, canon: operand.canon + "=" + v.canon, fn: func(r Row) (Value, error) {
		a, err := of(r)
		if err != nil || a == nil {
			return nil, err
		}
		b, err := vf(r)
		if err != nil || b == nil {
			return nil, err
		}
		return Equal(a, b), nil
	}}, nil
}

func (c *compiler) arrayCtor(e *ArrayCtor) (*CompiledExpr, error) {
	elemT := TypeNull
	elems := make([]*CompiledExpr, len(e.Elems))
	for i, x := range e.Elems {
		ce, err := c.compile(x)
		if err != nil {
			return nil, err
		}
		t, ok := commonType(elemT, ce.Type)
		if !ok {
			return nil, errorf(x.Pos(), x.String(), "ARRAY elements have different types: %s and %s", elemT, ce.Type)
		}
		elemT, elems[i] = t, ce
	}
	if elemT.Kind == KindNull {
		elemT = TypeString
	}
	fns := make([]evalFn, len(elems))
	canon := "ARRAY["
	for i, x := range elems {
		fns[i] = coerce(x, elemT).fn
		canon += x.canon + ","
	}
	return &CompiledExpr{Type: ArrayType(elemT), Text: e.String(), canon: canon + "]", fn: func(r Row) (Value, error) {
		out := make([]Value, len(fns))
		for i, f := range fns {
			v, err := f(r)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}}, nil
}

func (c *compiler) structCtor(e *StructCtor) (*CompiledExpr, error) {
	t := &Type{Kind: KindStruct}
	fns := make([]evalFn, len(e.Values))
	canon := "STRUCT("
	for i, x := range e.Values {
		if t.FieldIndex(e.Names[i].Name) >= 0 {
			return nil, errorf(e.Names[i].At, e.Names[i].Name, "duplicate STRUCT field '%s'", e.Names[i].Name)
		}
		ce, err := c.compile(x)
		if err != nil {
			return nil, err
		}
		ft := ce.Type
		if ft.Kind == KindNull {
			ft = TypeString
		}
		t.Fields = append(t.Fields, Field{Name: e.Names[i].Name, Type: ft})
		fns[i] = ce.fn
		canon += e.Names[i].Name + ":" + ce.canon + ","
	}
	return &CompiledExpr{Type: t, Text: e.String(), canon: canon + ")", fn: func(r Row) (Value, error) {
		out := make(Struct, len(fns))
		for i, f := range fns {
			v, err := f(r)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	}}, nil
}

// bigOne is 1, shared read-only.
var bigOne = big.NewInt(1)
