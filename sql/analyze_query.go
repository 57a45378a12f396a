package sql

import (
	"strconv"
	"strings"
)

// queryCtx says what the query is for.
type queryCtx struct {
	kind     QueryKind
	sinkName string // for messages of persistent queries
}

// queryState carries a query through analysis.
type queryState struct {
	q    *Query
	sc   *scope
	plan *QueryPlan
	// key is the current key of the pipeline: per key part, the canons of
	// the expressions that stand for it (a join key has two).
	key     [][]string
	keyWhat string // "key column", "join expression", "grouping expression", "partitioning expression"
	keyText []string
	kind    SourceKind // of the pipeline so far
}

func (a *analyzer) query(q *Query, ctx queryCtx) (*QueryPlan, error) {
	st := &queryState{q: q, sc: &scope{}, plan: &QueryPlan{Kind: ctx.kind, Emit: q.Emit, Limit: q.Limit}}
	if err := a.from(st); err != nil {
		return nil, err
	}
	for _, j := range q.Joins {
		if err := a.join(st, j); err != nil {
			return nil, err
		}
	}
	for _, s := range st.sc.scans {
		st.plan.InputWidth += s.Width()
	}
	if ctx.kind == PullQuery {
		if err := pullChecks(st); err != nil {
			return nil, err
		}
	}
	if q.Where != nil {
		c := &compiler{sc: st.sc, clause: "WHERE"}
		w, err := c.boolOperand(q.Where, "WHERE clause")
		if err != nil {
			return nil, err
		}
		st.plan.Where = w
	}
	if err := a.partitionBy(st); err != nil {
		return nil, err
	}
	if err := a.aggregate(st); err != nil {
		return nil, err
	}
	if err := a.project(st, ctx); err != nil {
		return nil, err
	}
	if err := emitChecks(st, ctx); err != nil {
		return nil, err
	}
	return st.plan, nil
}

func (a *analyzer) scan(st *queryState, r Relation, offset int) (*Scan, error) {
	src, err := a.lookup(r.Name)
	if err != nil {
		return nil, err
	}
	alias := r.Alias.Name
	if alias == "" {
		alias = src.Name
	}
	for _, s := range st.sc.scans {
		if s.Alias == alias {
			at := r.Alias
			if at.Name == "" {
				at = r.Name
			}
			return nil, errorf(at.At, alias, "duplicate source alias '%s': give each side of the join its own alias", alias)
		}
	}
	sc := &Scan{Source: src, Alias: alias, Offset: offset, TimestampColumn: -1}
	if src.Timestamp != "" {
		sc.TimestampColumn = src.Schema.Index(src.Timestamp)
	}
	return sc, nil
}

func (a *analyzer) from(st *queryState) error {
	sc, err := a.scan(st, st.q.From, 0)
	if err != nil {
		return err
	}
	st.sc.scans = append(st.sc.scans, sc)
	st.plan.From = sc
	st.kind = sc.Source.Kind
	st.keyWhat = "key column"
	cols := sc.Source.Schema.Columns
	for i, c := range cols {
		if c.Key {
			st.key = append(st.key, []string{colCanon(i)})
			st.keyText = append(st.keyText, c.Name)
		}
	}
	return nil
}

func pullChecks(st *queryState) error {
	q, src := st.q, st.plan.From.Source
	switch {
	case src.Kind == Stream:
		return errorf(q.From.Name.At, q.From.Name.Name, "pull queries are not supported on streams: %s is a STREAM (add EMIT CHANGES for a push query)", src.Name)
	case !src.Materialized:
		return errorf(q.From.Name.At, q.From.Name.Name, "table %s is not queryable: only tables a query materializes answer pull queries (CREATE TABLE QUERYABLE_%s AS SELECT * FROM %s)", src.Name, src.Name, src.Name)
	case len(q.Joins) > 0:
		return errorf(q.Joins[0].At, "JOIN", "pull queries do not support joins (add EMIT CHANGES for a push query)")
	case q.Window != nil:
		return errorf(q.Window.At, "WINDOW", "pull queries do not support WINDOW (add EMIT CHANGES for a push query)")
	case len(q.GroupBy) > 0:
		return errorf(q.GroupBy[0].Pos(), q.GroupBy[0].String(), "pull queries do not support GROUP BY (add EMIT CHANGES for a push query)")
	case len(q.PartitionBy) > 0:
		return errorf(q.PartitionBy[0].Pos(), q.PartitionBy[0].String(), "pull queries do not support PARTITION BY (add EMIT CHANGES for a push query)")
	}
	return nil
}

func emitChecks(st *queryState, ctx queryCtx) error {
	q := st.q
	if q.Emit == EmitFinal && (st.plan.Aggregate == nil || st.plan.Aggregate.Window == nil) {
		return errorf(q.EmitAt, "EMIT", "EMIT FINAL is only supported for windowed aggregations (add a WINDOW clause or use EMIT CHANGES)")
	}
	if ctx.kind == PersistentQuery && q.Limit >= 0 {
		return errorf(q.At, "LIMIT", "LIMIT is only supported for transient queries, not in %s", ctx.sinkName)
	}
	return nil
}

func (a *analyzer) partitionBy(st *queryState) error {
	q := st.q
	if len(q.PartitionBy) == 0 {
		return nil
	}
	if st.kind == Table {
		return errorf(q.PartitionBy[0].Pos(), q.PartitionBy[0].String(), "PARTITION BY is not supported on tables: %s is a TABLE", st.plan.From.Source.Name)
	}
	if len(q.GroupBy) > 0 {
		return errorf(q.PartitionBy[0].Pos(), q.PartitionBy[0].String(), "PARTITION BY cannot be combined with GROUP BY")
	}
	c := &compiler{sc: st.sc, clause: "PARTITION BY"}
	st.key, st.keyText, st.keyWhat = nil, nil, "partitioning expression"
	for _, e := range q.PartitionBy {
		if lit, ok := e.(*Literal); ok && lit.Kind == LitNull && len(q.PartitionBy) == 1 {
			st.plan.Rekey = []*CompiledExpr{} // PARTITION BY NULL: no key
			return nil
		}
		ce, err := c.compile(e)
		if err != nil {
			return err
		}
		st.plan.Rekey = append(st.plan.Rekey, ce)
		st.key = append(st.key, []string{ce.canon})
		st.keyText = append(st.keyText, e.String())
	}
	return nil
}

// aggregate plans GROUP BY, WINDOW, aggregate calls and HAVING.
func (a *analyzer) aggregate(st *queryState) error {
	q := st.q
	var aggCalls []*Call
	collect := func(e Expr) {
		walkExpr(e, func(x Expr) {
			if c, ok := x.(*Call); ok && isAggregateName(c.Name.Name) {
				aggCalls = append(aggCalls, c)
			}
		})
	}
	for _, it := range q.Select {
		collect(it.Expr)
	}
	collect(q.Having)
	if len(aggCalls) == 0 && len(q.GroupBy) == 0 {
		switch {
		case q.Window != nil:
			return errorf(q.Window.At, "WINDOW", "WINDOW requires an aggregation: add GROUP BY and aggregate functions")
		case q.Having != nil:
			return errorf(q.Having.Pos(), q.Having.String(), "HAVING requires an aggregation: add GROUP BY")
		}
		return nil
	}
	if len(q.GroupBy) == 0 {
		c := aggCalls[0]
		return errorf(c.At, c.Name.Name, "use of aggregate function %s requires a GROUP BY clause", c.Name.Name)
	}
	agg := &AggregateStep{InputIsChangelog: st.kind == Table}
	in := &compiler{sc: st.sc, clause: "GROUP BY"}
	var canons []string
	for _, e := range q.GroupBy {
		ce, err := in.compile(e)
		if err != nil {
			return err
		}
		if ce.constant {
			return errorf(e.Pos(), e.String(), "GROUP BY needs a column or an expression over columns, found the constant %s", e.String())
		}
		agg.GroupBy = append(agg.GroupBy, ce)
		canons = append(canons, ce.canon)
	}
	if !sameKey(st.key, canons) {
		st.plan.Rekey = agg.GroupBy
	}
	st.key, st.keyText, st.keyWhat = nil, nil, "grouping expression"
	for i, e := range q.GroupBy {
		st.key = append(st.key, []string{"@" + strconv.Itoa(i)})
		st.keyText = append(st.keyText, e.String())
	}
	if q.Window != nil {
		w, err := windowSpec(q.Window)
		if err != nil {
			return err
		}
		agg.Window = w
	}
	seen := map[string]bool{}
	for _, call := range aggCalls {
		ac, err := (&compiler{sc: st.sc}).aggregateCall(call)
		if err != nil {
			return err
		}
		if !seen[ac.Text] {
			seen[ac.Text] = true
			agg.Aggregates = append(agg.Aggregates, ac)
		}
	}
	st.plan.Aggregate = agg
	st.kind = Table
	if q.Having != nil {
		post := &compiler{sc: st.sc, agg: &aggEnv{groups: agg.GroupBy, calls: agg.Aggregates, windowed: agg.Window != nil}}
		h, err := post.boolOperand(q.Having, "HAVING clause")
		if err != nil {
			return err
		}
		st.plan.Having = h
	}
	return nil
}

// sameKey reports whether the pipeline's current key is exactly canons.
func sameKey(key [][]string, canons []string) bool {
	if len(key) != len(canons) {
		return false
	}
	for i, alts := range key {
		ok := false
		for _, a := range alts {
			if a == canons[i] {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func windowSpec(w *Window) (*WindowSpec, error) {
	spec := &WindowSpec{Kind: w.Kind, Size: w.Size.Millis(), Advance: w.Advance.Millis()}
	if spec.Size <= 0 {
		return nil, errorf(w.At, "WINDOW", "window size must be positive, found %s", w.Size)
	}
	if w.Kind == WindowHopping {
		if spec.Advance <= 0 || spec.Advance > spec.Size {
			return nil, errorf(w.At, "WINDOW", "ADVANCE BY must be positive and at most the window SIZE, found %s for SIZE %s", w.Advance, w.Size)
		}
	}
	if w.Retention != nil {
		spec.Retention = w.Retention.Millis()
		if spec.Retention < spec.Size {
			return nil, errorf(w.At, "WINDOW", "RETENTION %s must be at least the window size %s", w.Retention, w.Size)
		}
	}
	if w.Grace != nil {
		spec.Grace, spec.HasGrace = w.Grace.Millis(), true
	}
	return spec, nil
}

// project compiles the SELECT list, names the output columns and finds the
// output key.
func (a *analyzer) project(st *queryState, ctx queryCtx) error {
	q, plan := st.q, st.plan
	c := &compiler{sc: st.sc, clause: "SELECT"}
	if plan.Aggregate != nil {
		c.agg = &aggEnv{groups: plan.Aggregate.GroupBy, calls: plan.Aggregate.Aggregates, windowed: plan.Aggregate.Window != nil}
	}
	out := &Schema{}
	seen := map[string]Pos{}
	gen := 0
	add := func(name string, at Pos, ce *CompiledExpr) error {
		if _, dup := seen[name]; dup {
			return errorf(at, name, "duplicate output column '%s': give one of them an alias (AS …)", name)
		}
		seen[name] = at
		out.Columns = append(out.Columns, Column{Name: name, Type: ce.Type})
		plan.Project = append(plan.Project, ce)
		return nil
	}
	for _, it := range q.Select {
		if it.Star {
			if err := a.star(st, it, add); err != nil {
				return err
			}
			continue
		}
		ce, err := c.compile(it.Expr)
		if err != nil {
			return err
		}
		if ce.Type.Kind == KindNull {
			return errorf(it.Expr.Pos(), it.Expr.String(), "cannot select a bare NULL: CAST it to a type")
		}
		name := it.Alias.Name
		if name == "" {
			name = derivedName(it.Expr, &gen)
		}
		if err := add(name, it.At, ce); err != nil {
			return err
		}
	}
	plan.Output = out
	plan.ResultKind = st.kind
	return markKey(st, ctx)
}

// derivedName names an unaliased select expression as ksqlDB does.
func derivedName(e Expr, gen *int) string {
	switch e := e.(type) {
	case *ColumnRef:
		return e.Name.Name
	case *Deref:
		return e.Field.Name
	}
	name := "KSQL_COL_" + strconv.Itoa(*gen)
	*gen++
	return name
}

func (a *analyzer) star(st *queryState, it SelectItem, add func(string, Pos, *CompiledExpr) error) error {
	if st.plan.Aggregate != nil {
		return errorf(it.At, "*", "'*' cannot be used in an aggregating query: list the grouping columns and aggregates")
	}
	scans := st.sc.scans
	if it.Qualifier.Name != "" {
		s, err := st.sc.entry(it.Qualifier)
		if err != nil {
			return err
		}
		scans = []*Scan{s}
	}
	prefix := len(st.sc.scans) > 1
	for _, s := range scans {
		for i, col := range s.Source.Schema.Columns {
			name := col.Name
			if prefix {
				name = s.Alias + "_" + col.Name
			}
			idx := s.Offset + i
			ce := &CompiledExpr{Type: col.Type, Text: quoteIdent(s.Alias) + "." + quoteIdent(col.Name), canon: colCanon(idx),
				fn: func(r Row) (Value, error) {
					if idx < len(r) {
						return r[idx], nil
					}
					return nil, nil
				}}
			if err := add(name, it.At, ce); err != nil {
				return err
			}
		}
	}
	return nil
}

// markKey flags the output columns that carry the pipeline's key; a
// persistent query must project every key part (as ksqlDB requires).
func markKey(st *queryState, ctx queryCtx) error {
	plan := st.plan
	for k, alts := range st.key {
		found := false
		for i, ce := range plan.Project {
			if plan.Output.Columns[i].Key {
				continue
			}
			for _, alt := range alts {
				if ce.canon == alt {
					plan.Output.Columns[i].Key = true
					found = true
					break
				}
			}
			if found {
				break
			}
		}
		if !found && ctx.kind == PersistentQuery {
			return errorf(st.q.At, "SELECT", "key missing from projection: the query used to build %s must include the %s %s in its projection (e.g. SELECT %s, …)",
				ctx.sinkName, st.keyWhat, st.keyText[k], st.keyText[k])
		}
	}
	return nil
}

// stringsJoin is strings.Join for messages.
func stringsJoin(s []string) string { return strings.Join(s, ", ") }
