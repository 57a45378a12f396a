package sql

import "strings"

var primitiveTypes = map[string]*Type{
	"BOOLEAN": TypeBoolean, "INT": TypeInt, "INTEGER": TypeInt, "BIGINT": TypeBigint,
	"DOUBLE": TypeDouble, "VARCHAR": TypeString, "STRING": TypeString, "BYTES": TypeBytes,
	"TIMESTAMP": TypeTimestamp, "DATE": TypeDate, "TIME": TypeTime,
}

var typeNames = []string{"ARRAY", "BIGINT", "BOOLEAN", "BYTES", "DATE", "DECIMAL", "DOUBLE",
	"INT", "INTEGER", "MAP", "STRING", "STRUCT", "TIME", "TIMESTAMP", "VARCHAR"}

// parseType parses a SQL type.
func (p *parser) parseType() (*Type, error) {
	t := p.peek()
	if t.kind != tokIdent {
		return nil, p.unexpected("a type")
	}
	p.next()
	if prim, ok := primitiveTypes[t.text]; ok {
		return prim, nil
	}
	switch t.text {
	case "DECIMAL":
		return p.decimalType(t)
	case "ARRAY":
		if _, err := p.expectOp("<"); err != nil {
			return nil, err
		}
		elem, err := p.parseType()
		if err != nil {
			return nil, err
		}
		if _, err := p.expectOp(">"); err != nil {
			return nil, err
		}
		return ArrayType(elem), nil
	case "MAP":
		return p.mapType()
	case "STRUCT":
		return p.structType()
	}
	return nil, errorf(t.pos, t.raw, "unknown type '%s'%s", t.raw, didYouMean(t.text, typeNames))
}

func (p *parser) decimalType(t token) (*Type, error) {
	if _, err := p.expectOp("("); err != nil {
		return nil, err
	}
	prec, pt, err := p.integer("the DECIMAL precision")
	if err != nil {
		return nil, err
	}
	if _, err := p.expectOp(","); err != nil {
		return nil, err
	}
	scale, st, err := p.integer("the DECIMAL scale")
	if err != nil {
		return nil, err
	}
	if _, err := p.expectOp(")"); err != nil {
		return nil, err
	}
	if prec < 1 || prec > MaxDecimalPrecision {
		return nil, errorf(pt.pos, pt.raw, "DECIMAL precision must be between 1 and %d: %s", MaxDecimalPrecision, pt.raw)
	}
	if scale > prec {
		return nil, errorf(st.pos, st.raw, "DECIMAL scale must not exceed precision %d: %s", prec, st.raw)
	}
	return DecimalType(int(prec), int(scale)), nil
}

func (p *parser) mapType() (*Type, error) {
	if _, err := p.expectOp("<"); err != nil {
		return nil, err
	}
	kt := p.peek()
	key, err := p.parseType()
	if err != nil {
		return nil, err
	}
	if key.Kind != KindString {
		return nil, errorf(kt.pos, kt.raw, "MAP keys must be STRING in chaintap, found %s", key)
	}
	if _, err := p.expectOp(","); err != nil {
		return nil, err
	}
	val, err := p.parseType()
	if err != nil {
		return nil, err
	}
	if _, err := p.expectOp(">"); err != nil {
		return nil, err
	}
	return MapType(val), nil
}

func (p *parser) structType() (*Type, error) {
	if _, err := p.expectOp("<"); err != nil {
		return nil, err
	}
	st := &Type{Kind: KindStruct}
	if p.acceptOp(">") {
		return st, nil
	}
	seen := map[string]bool{}
	for {
		name, err := p.fieldName()
		if err != nil {
			return nil, err
		}
		if seen[name.Name] {
			return nil, errorf(name.At, name.Name, "duplicate STRUCT field '%s'", name.Name)
		}
		seen[name.Name] = true
		ft, err := p.parseType()
		if err != nil {
			return nil, err
		}
		st.Fields = append(st.Fields, Field{Name: name.Name, Type: ft})
		if p.acceptOp(",") {
			continue
		}
		if _, err := p.expectOp(">"); err != nil {
			return nil, err
		}
		return st, nil
	}
}

// fieldName is an identifier where reserved words are also accepted
// (struct fields and dereferences cannot be confused with clauses).
func (p *parser) fieldName() (Name, error) {
	t := p.peek()
	if t.kind == tokIdent || t.kind == tokQuotedIdent {
		p.next()
		return Name{Name: t.text, At: t.pos}, nil
	}
	return Name{}, p.unexpected("a field name")
}

// isTypeWord reports whether s names a type, for messages.
func isTypeWord(s string) bool {
	_, ok := primitiveTypes[strings.ToUpper(s)]
	return ok
}
