package sql

import (
	"math/big"
	"slices"
	"strings"
)

// expr parses a boolean expression (the loosest level).
func (p *parser) expr() (Expr, error) { return p.or() }

func (p *parser) or() (Expr, error)  { return p.leftAssoc(p.and, tokIdent, "OR") }
func (p *parser) and() (Expr, error) { return p.leftAssoc(p.not, tokIdent, "AND") }

// leftAssoc parses `operand (op operand)*`, ops being one precedence level's
// operators (keywords when kind is tokIdent), into left-associative Binary
// nodes.
func (p *parser) leftAssoc(operand func() (Expr, error), kind tokKind, ops ...string) (Expr, error) {
	l, err := operand()
	if err != nil {
		return nil, err
	}
	for t := p.peek(); t.kind == kind && slices.Contains(ops, t.text); t = p.peek() {
		op := p.next()
		r, err := operand()
		if err != nil {
			return nil, err
		}
		l = &Binary{At: op.pos, Op: op.text, L: l, R: r}
	}
	return l, nil
}

func (p *parser) not() (Expr, error) {
	if p.isKw("NOT") {
		t := p.next()
		x, err := p.not()
		if err != nil {
			return nil, err
		}
		return &Not{At: t.pos, X: x}, nil
	}
	return p.predicated()
}

var comparisonOps = map[string]string{"=": "=", "<>": "<>", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

// predicated parses a value expression and at most one predicate on it.
func (p *parser) predicated() (Expr, error) {
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind == tokOp {
		if op, ok := comparisonOps[t.text]; ok {
			p.next()
			r, err := p.value()
			if err != nil {
				return nil, err
			}
			return &Binary{At: t.pos, Op: op, L: v, R: r}, nil
		}
		return v, nil
	}
	if p.isKw("IS") {
		return p.isPredicate(v)
	}
	negated := false
	if p.isKw("NOT") && (p.isKwAt(1, "BETWEEN") || p.isKwAt(1, "IN") || p.isKwAt(1, "LIKE")) {
		p.next()
		negated = true
	}
	switch {
	case p.isKw("BETWEEN"):
		return p.between(v, negated)
	case p.isKw("IN"):
		return p.in(v, negated)
	case p.isKw("LIKE"):
		return p.like(v, negated)
	}
	return v, nil
}

func (p *parser) isPredicate(v Expr) (Expr, error) {
	t := p.next() // IS
	negated := p.acceptKw("NOT")
	switch {
	case p.acceptKw("NULL"):
		return &IsNull{At: t.pos, X: v, Not: negated}, nil
	case p.acceptKw("DISTINCT"):
		if _, err := p.expectKw("FROM"); err != nil {
			return nil, err
		}
		y, err := p.value()
		if err != nil {
			return nil, err
		}
		return &IsDistinct{At: t.pos, X: v, Y: y, Not: negated}, nil
	}
	return nil, p.unexpected("NULL or DISTINCT FROM")
}

func (p *parser) between(v Expr, negated bool) (Expr, error) {
	t := p.next()
	lo, err := p.value()
	if err != nil {
		return nil, err
	}
	if _, err := p.expectKw("AND"); err != nil {
		return nil, err
	}
	hi, err := p.value()
	if err != nil {
		return nil, err
	}
	return &Between{At: t.pos, X: v, Lo: lo, Hi: hi, Not: negated}, nil
}

func (p *parser) in(v Expr, negated bool) (Expr, error) {
	t := p.next()
	if _, err := p.expectOp("("); err != nil {
		return nil, err
	}
	list, err := p.exprList()
	if err != nil {
		return nil, err
	}
	if _, err := p.expectOp(")"); err != nil {
		return nil, err
	}
	return &In{At: t.pos, X: v, List: list, Not: negated}, nil
}

func (p *parser) like(v Expr, negated bool) (Expr, error) {
	t := p.next()
	pat, err := p.value()
	if err != nil {
		return nil, err
	}
	l := &Like{At: t.pos, X: v, Pattern: pat, Not: negated}
	if p.acceptKw("ESCAPE") {
		et := p.peek()
		esc, err := p.stringLit("an escape character string")
		if err != nil {
			return nil, err
		}
		if len([]rune(esc)) != 1 {
			return nil, errorf(et.pos, et.raw, "ESCAPE must be a single character, found %s", et.raw)
		}
		l.Escape = esc
	}
	return l, nil
}

// value parses a value expression: || binds loosest, then + -, then * / %.
func (p *parser) value() (Expr, error)          { return p.leftAssoc(p.additive, tokOp, "||") }
func (p *parser) additive() (Expr, error)       { return p.leftAssoc(p.multiplicative, tokOp, "+", "-") }
func (p *parser) multiplicative() (Expr, error) { return p.leftAssoc(p.unary, tokOp, "*", "/", "%") }

// unary parses -x / +x; a sign on a numeric literal folds into it.
func (p *parser) unary() (Expr, error) {
	if p.isOp("-") || p.isOp("+") {
		op := p.next()
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		if lit, ok := x.(*Literal); ok && isNumericLit(lit.Kind) {
			v := lit.Value
			if op.text == "-" {
				if strings.HasPrefix(v, "-") {
					v = v[1:]
				} else {
					v = "-" + v
				}
			}
			return &Literal{At: op.pos, Kind: lit.Kind, Value: v}, nil
		}
		return &Unary{At: op.pos, Op: op.text, X: x}, nil
	}
	return p.postfix()
}

func isNumericLit(k LiteralKind) bool { return k == LitInteger || k == LitDecimal || k == LitDouble }

// postfix parses a primary followed by ->field and [index] operators.
func (p *parser) postfix() (Expr, error) {
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	for {
		switch {
		case p.isOp("->"):
			op := p.next()
			f, err := p.fieldName()
			if err != nil {
				return nil, err
			}
			x = &Deref{At: op.pos, X: x, Field: f}
		case p.isOp("["):
			op := p.next()
			idx, err := p.expr()
			if err != nil {
				return nil, err
			}
			if _, err := p.expectOp("]"); err != nil {
				return nil, err
			}
			x = &Subscript{At: op.pos, X: x, Index: idx}
		default:
			return x, nil
		}
	}
}

var int64Max = big.NewInt(1<<63 - 1)

func (p *parser) primary() (Expr, error) {
	t := p.peek()
	switch t.kind {
	case tokString:
		p.next()
		return &Literal{At: t.pos, Kind: LitString, Value: t.text}, nil
	case tokInteger:
		p.next()
		n, ok := new(big.Int).SetString(t.text, 10)
		if ok && n.Cmp(int64Max) > 0 {
			// Too big for BIGINT: an exact DECIMAL, as wei amounts need.
			return &Literal{At: t.pos, Kind: LitDecimal, Value: t.text}, nil
		}
		return &Literal{At: t.pos, Kind: LitInteger, Value: t.text}, nil
	case tokDecimal:
		p.next()
		return &Literal{At: t.pos, Kind: LitDecimal, Value: t.text}, nil
	case tokFloat:
		p.next()
		return &Literal{At: t.pos, Kind: LitDouble, Value: strings.ToUpper(t.text)}, nil
	case tokOp:
		if t.text == "(" {
			p.next()
			e, err := p.expr()
			if err != nil {
				return nil, err
			}
			if _, err := p.expectOp(")"); err != nil {
				return nil, err
			}
			return e, nil
		}
		return nil, p.unexpected("an expression")
	case tokQuotedIdent:
		return p.columnOrCall()
	case tokIdent:
		return p.keywordPrimary(t)
	}
	return nil, p.unexpected("an expression")
}

// keywordPrimary handles primaries that start with a word.
func (p *parser) keywordPrimary(t token) (Expr, error) {
	switch t.text {
	case "NULL":
		p.next()
		return &Literal{At: t.pos, Kind: LitNull}, nil
	case "TRUE", "FALSE":
		p.next()
		return &Literal{At: t.pos, Kind: LitBool, Value: t.text}, nil
	case "CASE":
		return p.caseExpr()
	case "CAST":
		return p.cast()
	case "ARRAY":
		if p.peekAt(1).kind == tokOp && p.peekAt(1).text == "[" {
			return p.arrayCtor()
		}
	case "STRUCT":
		if p.peekAt(1).kind == tokOp && p.peekAt(1).text == "(" {
			return p.structCtor()
		}
	}
	return p.columnOrCall()
}

// columnOrCall parses name, qualifier.name or name(args).
func (p *parser) columnOrCall() (Expr, error) {
	name, err := p.ident("an expression")
	if err != nil {
		return nil, err
	}
	if p.isOp("(") {
		return p.call(name)
	}
	if p.isOp(".") {
		p.next()
		col, err := p.fieldName()
		if err != nil {
			return nil, err
		}
		return &ColumnRef{At: name.At, Qualifier: name, Name: col}, nil
	}
	return &ColumnRef{At: name.At, Name: name}, nil
}

func (p *parser) call(name Name) (Expr, error) {
	p.next() // (
	c := &Call{At: name.At, Name: name}
	if p.acceptOp("*") {
		c.Star = true
		_, err := p.expectOp(")")
		return c, err
	}
	if p.isKw("DISTINCT") {
		t := p.peek()
		return nil, errorf(t.pos, t.raw, "DISTINCT is not supported in a function call; use COUNT_DISTINCT(x) or COLLECT_SET(x)")
	}
	if p.acceptOp(")") {
		return c, nil
	}
	args, err := p.exprList()
	if err != nil {
		return nil, err
	}
	c.Args = args
	_, err = p.expectOp(")")
	return c, err
}

func (p *parser) caseExpr() (Expr, error) {
	c := &Case{At: p.next().pos}
	var err error
	if !p.isKw("WHEN") {
		if c.Operand, err = p.value(); err != nil {
			return nil, err
		}
	}
	for p.acceptKw("WHEN") {
		var w When
		if w.Cond, err = p.expr(); err != nil {
			return nil, err
		}
		if _, err := p.expectKw("THEN"); err != nil {
			return nil, err
		}
		if w.Result, err = p.expr(); err != nil {
			return nil, err
		}
		c.Whens = append(c.Whens, w)
	}
	if len(c.Whens) == 0 {
		return nil, p.unexpected("WHEN")
	}
	if p.acceptKw("ELSE") {
		if c.Else, err = p.expr(); err != nil {
			return nil, err
		}
	}
	if _, err := p.expectKw("END"); err != nil {
		return nil, err
	}
	return c, nil
}

func (p *parser) cast() (Expr, error) {
	c := &Cast{At: p.next().pos}
	if _, err := p.expectOp("("); err != nil {
		return nil, err
	}
	var err error
	if c.X, err = p.expr(); err != nil {
		return nil, err
	}
	if _, err := p.expectKw("AS"); err != nil {
		return nil, err
	}
	if c.Type, err = p.parseType(); err != nil {
		return nil, err
	}
	if _, err := p.expectOp(")"); err != nil {
		return nil, err
	}
	return c, nil
}

func (p *parser) arrayCtor() (Expr, error) {
	a := &ArrayCtor{At: p.next().pos}
	p.next() // [
	if p.acceptOp("]") {
		return a, nil
	}
	elems, err := p.exprList()
	if err != nil {
		return nil, err
	}
	a.Elems = elems
	_, err = p.expectOp("]")
	return a, err
}

func (p *parser) structCtor() (Expr, error) {
	s := &StructCtor{At: p.next().pos}
	p.next() // (
	if p.acceptOp(")") {
		return s, nil
	}
	for {
		n, err := p.fieldName()
		if err != nil {
			return nil, err
		}
		if _, err := p.expectOp(":="); err != nil {
			return nil, err
		}
		v, err := p.expr()
		if err != nil {
			return nil, err
		}
		s.Names = append(s.Names, n)
		s.Values = append(s.Values, v)
		if p.acceptOp(",") {
			continue
		}
		_, err = p.expectOp(")")
		return s, err
	}
}
