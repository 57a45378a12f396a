package sql

import (
	"strconv"
	"strings"
)

func (p *parser) create() (Statement, error) {
	p.next() // CREATE
	orReplace := false
	if p.acceptKw("OR") {
		if _, err := p.expectKw("REPLACE"); err != nil {
			return nil, err
		}
		orReplace = true
	}
	source := p.acceptKw("SOURCE")
	var table bool
	switch {
	case p.acceptKw("STREAM"):
	case p.acceptKw("TABLE"):
		table = true
	default:
		return nil, p.unexpected("STREAM or TABLE")
	}
	ifNotExists := false
	if p.acceptKw("IF") {
		if _, err := p.expectKw("NOT"); err != nil {
			return nil, err
		}
		if _, err := p.expectKw("EXISTS"); err != nil {
			return nil, err
		}
		ifNotExists = true
	}
	name, err := p.ident("a stream or table name")
	if err != nil {
		return nil, err
	}
	var elems []TableElement
	if p.isOp("(") {
		if elems, err = p.tableElements(table); err != nil {
			return nil, err
		}
	}
	props, err := p.withProps()
	if err != nil {
		return nil, err
	}
	if p.isKw("AS") {
		asTok := p.next()
		if len(elems) > 0 {
			return nil, errorf(asTok.pos, asTok.raw, "CREATE %s AS SELECT cannot declare columns: the query defines them", kindWord(table))
		}
		if source {
			return nil, errorf(asTok.pos, asTok.raw, "CREATE SOURCE %s cannot be AS SELECT", kindWord(table))
		}
		if !p.isKw("SELECT") {
			return nil, p.unexpected("SELECT")
		}
		q, err := p.query()
		if err != nil {
			return nil, err
		}
		return &CreateAs{OrReplace: orReplace, Table: table, IfNotExists: ifNotExists, Name: name, Props: props, Query: q}, nil
	}
	return &CreateSource{OrReplace: orReplace, Source: source, Table: table, IfNotExists: ifNotExists,
		Name: name, Elements: elems, Props: props}, nil
}

// tableElements parses (col TYPE [KEY|PRIMARY KEY], …), enforcing ksqlDB's
// rule that streams have KEY columns and tables PRIMARY KEY columns.
func (p *parser) tableElements(table bool) ([]TableElement, error) {
	p.next() // (
	var out []TableElement
	for {
		el, err := p.tableElement(table)
		if err != nil {
			return nil, err
		}
		out = append(out, el)
		if p.acceptOp(",") {
			continue
		}
		if _, err := p.expectOp(")"); err != nil {
			return nil, err
		}
		return out, nil
	}
}

func (p *parser) tableElement(table bool) (TableElement, error) {
	name, err := p.ident("a column name")
	if err != nil {
		return TableElement{}, err
	}
	el := TableElement{Name: name, TypeAt: p.peek().pos}
	if el.Type, err = p.parseType(); err != nil {
		return TableElement{}, err
	}
	switch {
	case p.isKw("PRIMARY"):
		el.KeyAt = p.next().pos
		if _, err := p.expectKw("KEY"); err != nil {
			return TableElement{}, err
		}
		if !table {
			return TableElement{}, errorf(el.KeyAt, "PRIMARY", "column '%s' is a 'PRIMARY KEY' column: please use 'KEY' for streams (tables have PRIMARY KEYs, which are unique and non-null; streams have KEYs)", name.Name)
		}
		el.PrimaryKey = true
	case p.isKw("KEY"):
		el.KeyAt = p.next().pos
		if table {
			return TableElement{}, errorf(el.KeyAt, "KEY", "column '%s' is a 'KEY' column: please use 'PRIMARY KEY' for tables (tables have PRIMARY KEYs, which are unique and non-null; streams have KEYs)", name.Name)
		}
		el.Key = true
	case p.acceptKw("HEADERS"):
		el.Headers = true
	case p.acceptKw("HEADER"):
		if _, err := p.expectOp("("); err != nil {
			return TableElement{}, err
		}
		t := p.peek()
		if t.kind != tokString {
			return TableElement{}, p.unexpected("a header name string")
		}
		p.next()
		el.Header, el.HasHeader = t.text, true
		if _, err := p.expectOp(")"); err != nil {
			return TableElement{}, err
		}
	}
	return el, nil
}

// withProps parses an optional WITH (name = literal, …).
func (p *parser) withProps() (Properties, error) {
	if !p.acceptKw("WITH") {
		return nil, nil
	}
	if _, err := p.expectOp("("); err != nil {
		return nil, err
	}
	var props Properties
	for {
		t := p.peek()
		var name string
		switch {
		case t.kind == tokString:
			name = strings.ToUpper(t.text)
		case t.kind == tokIdent || t.kind == tokQuotedIdent:
			name = strings.ToUpper(t.text)
		default:
			return nil, p.unexpected("a property name")
		}
		p.next()
		if _, dup := props.Get(name); dup {
			return nil, errorf(t.pos, t.raw, "duplicate property '%s'", name)
		}
		if _, err := p.expectOp("="); err != nil {
			return nil, err
		}
		lit, err := p.literalOnly()
		if err != nil {
			return nil, err
		}
		props = append(props, Property{Name: name, At: t.pos, Value: lit})
		if p.acceptOp(",") {
			continue
		}
		if _, err := p.expectOp(")"); err != nil {
			return nil, err
		}
		return props, nil
	}
}

// literalOnly parses a literal, allowing a leading minus on numbers.
func (p *parser) literalOnly() (*Literal, error) {
	e, err := p.unary()
	if err != nil {
		return nil, err
	}
	lit, ok := e.(*Literal)
	if !ok {
		return nil, errorf(e.Pos(), e.String(), "expected a literal but found '%s'", e.String())
	}
	return lit, nil
}

func (p *parser) insert() (Statement, error) {
	p.next() // INSERT
	if _, err := p.expectKw("INTO"); err != nil {
		return nil, err
	}
	name, err := p.ident("a stream or table name")
	if err != nil {
		return nil, err
	}
	if p.isOp("(") || p.isKw("VALUES") {
		return p.insertValues(name)
	}
	props, err := p.withProps()
	if err != nil {
		return nil, err
	}
	if !p.isKw("SELECT") {
		return nil, p.unexpected("SELECT or VALUES")
	}
	q, err := p.query()
	if err != nil {
		return nil, err
	}
	return &InsertInto{Name: name, Props: props, Query: q}, nil
}

func (p *parser) insertValues(name Name) (Statement, error) {
	st := &InsertValues{Name: name}
	if p.acceptOp("(") {
		for {
			c, err := p.ident("a column name")
			if err != nil {
				return nil, err
			}
			st.Columns = append(st.Columns, c)
			if p.acceptOp(",") {
				continue
			}
			if _, err := p.expectOp(")"); err != nil {
				return nil, err
			}
			break
		}
	}
	if _, err := p.expectKw("VALUES"); err != nil {
		return nil, err
	}
	if _, err := p.expectOp("("); err != nil {
		return nil, err
	}
	if !p.acceptOp(")") {
		vals, err := p.exprList()
		if err != nil {
			return nil, err
		}
		st.Values = vals
		if _, err := p.expectOp(")"); err != nil {
			return nil, err
		}
	}
	return st, nil
}

func (p *parser) drop() (Statement, error) {
	p.next() // DROP
	st := &Drop{}
	switch {
	case p.acceptKw("STREAM"):
	case p.acceptKw("TABLE"):
		st.Table = true
	default:
		return nil, p.unexpected("STREAM or TABLE")
	}
	if p.acceptKw("IF") {
		if _, err := p.expectKw("EXISTS"); err != nil {
			return nil, err
		}
		st.IfExists = true
	}
	name, err := p.ident("a stream or table name")
	if err != nil {
		return nil, err
	}
	st.Name = name
	if p.acceptKw("DELETE") {
		if _, err := p.expectKw("TOPIC"); err != nil {
			return nil, err
		}
		st.DeleteTopic = true
	}
	return st, nil
}

func (p *parser) show() (Statement, error) {
	p.next() // SHOW | LIST
	st := &Show{All: p.acceptKw("ALL")}
	t := p.peek()
	switch {
	case t.kind == tokIdent && (t.text == "TOPICS" || (!st.All && (t.text == "STREAMS" || t.text == "TABLES" || t.text == "QUERIES"))):
		p.next()
		st.What = t.text
		st.Extended = p.acceptKw("EXTENDED")
	case !st.All && t.kind == tokIdent && (t.text == "PROPERTIES" || t.text == "FUNCTIONS"):
		p.next()
		st.What = t.text
	default:
		if st.All {
			return nil, p.unexpected("TOPICS")
		}
		return nil, p.unexpected("STREAMS, TABLES, QUERIES, TOPICS, PROPERTIES or FUNCTIONS")
	}
	return st, nil
}

func (p *parser) describe() (Statement, error) {
	p.next() // DESCRIBE
	st := &Describe{}
	switch {
	case p.isKw("STREAMS") || p.isKw("TABLES"):
		st.Sources = p.next().text
	case p.acceptKw("FUNCTION"):
		name, err := p.ident("a function name")
		if err != nil {
			return nil, err
		}
		st.Name, st.Function = name, true
		return st, nil
	default:
		name, err := p.ident("a stream or table name")
		if err != nil {
			return nil, err
		}
		st.Name = name
	}
	st.Extended = p.acceptKw("EXTENDED")
	return st, nil
}

func (p *parser) terminate() (Statement, error) {
	p.next() // TERMINATE
	if p.acceptKw("ALL") {
		return &Terminate{All: true}, nil
	}
	id, err := p.ident("a query id or ALL")
	if err != nil {
		return nil, err
	}
	return &Terminate{QueryID: id}, nil
}

func (p *parser) stringLit(what string) (string, error) {
	t := p.peek()
	if t.kind != tokString {
		return "", p.unexpected(what)
	}
	p.next()
	return t.text, nil
}

func (p *parser) set() (Statement, error) {
	p.next() // SET
	name, err := p.stringLit("a quoted property name")
	if err != nil {
		return nil, err
	}
	if _, err := p.expectOp("="); err != nil {
		return nil, err
	}
	val, err := p.stringLit("a quoted property value")
	if err != nil {
		return nil, err
	}
	return &SetProperty{Name: name, Value: val}, nil
}

func (p *parser) unset() (Statement, error) {
	p.next() // UNSET
	name, err := p.stringLit("a quoted property name")
	if err != nil {
		return nil, err
	}
	return &UnsetProperty{Name: name}, nil
}

// integer parses an unsigned integer literal.
func (p *parser) integer(what string) (int64, token, error) {
	t := p.peek()
	if t.kind != tokInteger {
		return 0, t, p.unexpected(what)
	}
	n, err := strconv.ParseInt(t.text, 10, 64)
	if err != nil {
		return 0, t, errorf(t.pos, t.raw, "number %s is out of range", t.raw)
	}
	p.next()
	return n, t, nil
}
