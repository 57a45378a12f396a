package sql

// query parses SELECT … up to the end of the statement.
func (p *parser) query() (*Query, error) {
	selTok := p.next() // SELECT
	q := &Query{At: selTok.pos, Limit: -1}
	items, err := p.selectItems()
	if err != nil {
		return nil, err
	}
	q.Select = items
	if _, err := p.expectKw("FROM"); err != nil {
		return nil, err
	}
	if q.From, err = p.relation(); err != nil {
		return nil, err
	}
	for p.isJoinStart() {
		j, err := p.join()
		if err != nil {
			return nil, err
		}
		q.Joins = append(q.Joins, j)
	}
	if err := p.queryClauses(q); err != nil {
		return nil, err
	}
	return q, nil
}

func (p *parser) queryClauses(q *Query) error {
	var err error
	if p.isKw("WINDOW") {
		if q.Window, err = p.window(); err != nil {
			return err
		}
	}
	if p.acceptKw("WHERE") {
		if q.Where, err = p.expr(); err != nil {
			return err
		}
	}
	if q.GroupBy, err = p.byList("GROUP"); err != nil {
		return err
	}
	if q.PartitionBy, err = p.byList("PARTITION"); err != nil {
		return err
	}
	if p.acceptKw("HAVING") {
		if q.Having, err = p.expr(); err != nil {
			return err
		}
	}
	if p.isKw("EMIT") {
		q.EmitAt = p.next().pos
		switch {
		case p.acceptKw("CHANGES"):
			q.Emit = EmitChanges
		case p.acceptKw("FINAL"):
			q.Emit = EmitFinal
		default:
			return p.unexpected("CHANGES or FINAL")
		}
	}
	if p.acceptKw("LIMIT") {
		n, _, err := p.integer("a row count")
		if err != nil {
			return err
		}
		q.Limit = n
	}
	return nil
}

func (p *parser) selectItems() ([]SelectItem, error) {
	var items []SelectItem
	for {
		it, err := p.selectItem()
		if err != nil {
			return nil, err
		}
		items = append(items, it)
		if !p.acceptOp(",") {
			return items, nil
		}
	}
}

func (p *parser) selectItem() (SelectItem, error) {
	t := p.peek()
	if p.acceptOp("*") {
		return SelectItem{At: t.pos, Star: true}, nil
	}
	if (t.kind == tokIdent || t.kind == tokQuotedIdent) && p.peekAt(1).text == "." &&
		p.peekAt(1).kind == tokOp && p.peekAt(2).kind == tokOp && p.peekAt(2).text == "*" {
		q, err := p.ident("a source alias")
		if err != nil {
			return SelectItem{}, err
		}
		p.next()
		p.next()
		return SelectItem{At: t.pos, Star: true, Qualifier: q}, nil
	}
	e, err := p.expr()
	if err != nil {
		return SelectItem{}, err
	}
	it := SelectItem{At: t.pos, Expr: e}
	alias, _, err := p.optionalAlias()
	if err != nil {
		return SelectItem{}, err
	}
	it.Alias = alias
	return it, nil
}

// optionalAlias parses `AS name` or a bare name that is not a keyword
// that could start the next clause.
func (p *parser) optionalAlias() (Name, bool, error) {
	if p.acceptKw("AS") {
		t := p.peek()
		if t.kind == tokIdent && !reservedWords[t.text] || t.kind == tokQuotedIdent {
			p.next()
			return Name{Name: t.text, At: t.pos}, false, nil
		}
		n, err := p.ident("an alias")
		return n, false, err
	}
	t := p.peek()
	if t.kind == tokQuotedIdent || t.kind == tokIdent && !reservedWords[t.text] && !clauseWords[t.text] {
		p.next()
		return Name{Name: t.text, At: t.pos}, true, nil
	}
	return Name{}, false, nil
}

func (p *parser) relation() (Relation, error) {
	name, err := p.ident("a stream or table name")
	if err != nil {
		return Relation{}, err
	}
	at := p.i
	alias, implicit, err := p.optionalAlias()
	if err != nil {
		return Relation{}, err
	}
	if implicit {
		t := p.toks[at]
		p.implicitAlias = &t
	}
	return Relation{Name: name, Alias: alias}, nil
}

func (p *parser) isJoinStart() bool {
	return p.isKw("JOIN") || p.isKw("INNER") || p.isKw("LEFT") || p.isKw("RIGHT") || p.isKw("FULL")
}

func (p *parser) join() (Join, error) {
	j := Join{At: p.peek().pos}
	switch {
	case p.acceptKw("INNER"):
	case p.acceptKw("LEFT"):
		j.Kind = JoinLeft
		p.acceptKw("OUTER")
	case p.acceptKw("RIGHT"):
		j.Kind = JoinRight
		p.acceptKw("OUTER")
	case p.acceptKw("FULL"):
		j.Kind = JoinFull
		p.acceptKw("OUTER")
	}
	if _, err := p.expectKw("JOIN"); err != nil {
		return Join{}, err
	}
	var err error
	if j.Right, err = p.relation(); err != nil {
		return Join{}, err
	}
	if p.isKw("WITHIN") {
		if j.Within, err = p.within(); err != nil {
			return Join{}, err
		}
	}
	if _, err := p.expectKw("ON"); err != nil {
		return Join{}, err
	}
	p.implicitAlias = nil
	if j.On, err = p.expr(); err != nil {
		return Join{}, err
	}
	return j, nil
}

func (p *parser) within() (*Within, error) {
	w := &Within{At: p.next().pos}
	var err error
	if p.acceptOp("(") {
		w.Pair = true
		if w.Before, err = p.duration(); err != nil {
			return nil, err
		}
		if _, err := p.expectOp(","); err != nil {
			return nil, err
		}
		if w.After, err = p.duration(); err != nil {
			return nil, err
		}
		if _, err := p.expectOp(")"); err != nil {
			return nil, err
		}
	} else {
		if w.Before, err = p.duration(); err != nil {
			return nil, err
		}
		w.After = w.Before
	}
	if p.isKw("GRACE") {
		g, err := p.grace()
		if err != nil {
			return nil, err
		}
		w.Grace = g
	}
	return w, nil
}

var timeUnits = []string{"MILLISECOND", "MILLISECONDS", "SECOND", "SECONDS", "MINUTE", "MINUTES",
	"HOUR", "HOURS", "DAY", "DAYS"}

// duration parses `n UNIT`.
func (p *parser) duration() (Duration, error) {
	n, _, err := p.integer("a number")
	if err != nil {
		return Duration{}, err
	}
	t := p.peek()
	if t.kind != tokIdent {
		return Duration{}, p.unexpected("a time unit (MILLISECONDS, SECONDS, MINUTES, HOURS, DAYS)")
	}
	if _, ok := unitMillis[t.text]; !ok {
		return Duration{}, errorf(t.pos, t.raw, "unknown time unit '%s'%s", t.raw, didYouMean(t.text, timeUnits))
	}
	p.next()
	return Duration{N: n, Unit: t.text}, nil
}

func (p *parser) grace() (*Duration, error) {
	p.next() // GRACE
	if _, err := p.expectKw("PERIOD"); err != nil {
		return nil, err
	}
	d, err := p.duration()
	return &d, err
}

func (p *parser) window() (*Window, error) {
	w := &Window{At: p.next().pos}
	t := p.peek()
	switch {
	case p.acceptKw("TUMBLING"):
		w.Kind = WindowTumbling
	case p.acceptKw("HOPPING"):
		w.Kind = WindowHopping
	case p.acceptKw("SESSION"):
		w.Kind = WindowSession
	case t.kind == tokIdent:
		return nil, errorf(t.pos, t.raw, "unknown window type '%s'%s", t.raw,
			didYouMean(t.text, []string{"TUMBLING", "HOPPING", "SESSION"}))
	default:
		return nil, p.unexpected("TUMBLING, HOPPING or SESSION")
	}
	if _, err := p.expectOp("("); err != nil {
		return nil, err
	}
	var err error
	if w.Kind != WindowSession {
		if _, err := p.expectKw("SIZE"); err != nil {
			return nil, err
		}
	}
	if w.Size, err = p.duration(); err != nil {
		return nil, err
	}
	if w.Kind == WindowHopping {
		if _, err := p.expectOp(","); err != nil {
			return nil, err
		}
		if _, err := p.expectKw("ADVANCE"); err != nil {
			return nil, err
		}
		if _, err := p.expectKw("BY"); err != nil {
			return nil, err
		}
		if w.Advance, err = p.duration(); err != nil {
			return nil, err
		}
	}
	if err := p.windowOptions(w); err != nil {
		return nil, err
	}
	return w, nil
}

// windowOptions parses [, RETENTION n UNIT] [, GRACE PERIOD n UNIT] ).
func (p *parser) windowOptions(w *Window) error {
	for p.acceptOp(",") {
		switch {
		case p.isKw("RETENTION") && w.Retention == nil && w.Grace == nil:
			p.next()
			d, err := p.duration()
			if err != nil {
				return err
			}
			w.Retention = &d
		case p.isKw("GRACE") && w.Grace == nil:
			g, err := p.grace()
			if err != nil {
				return err
			}
			w.Grace = g
		default:
			return p.unexpected("RETENTION or GRACE PERIOD")
		}
	}
	_, err := p.expectOp(")")
	return err
}

// byList parses `kw BY` and a groupList when kw is next; nil when it is not.
func (p *parser) byList(kw string) ([]Expr, error) {
	if !p.acceptKw(kw) {
		return nil, nil
	}
	if _, err := p.expectKw("BY"); err != nil {
		return nil, err
	}
	return p.groupList()
}

// groupList parses `e, e …` or `(e, e …)`.
func (p *parser) groupList() ([]Expr, error) {
	if p.isOp("(") {
		save := p.i
		p.next()
		if list, err := p.exprList(); err == nil && p.acceptOp(")") && (len(list) != 1 || p.atClauseEnd()) {
			if p.atClauseEnd() {
				return list, nil
			}
		}
		p.i = save
	}
	return p.exprList()
}

func (p *parser) atClauseEnd() bool {
	return p.atEnd() || p.isKw("HAVING") || p.isKw("EMIT") || p.isKw("LIMIT") || p.isKw("PARTITION")
}

func (p *parser) exprList() ([]Expr, error) {
	var out []Expr
	for {
		e, err := p.expr()
		if err != nil {
			return nil, err
		}
		out = append(out, e)
		if !p.acceptOp(",") {
			return out, nil
		}
	}
}
