package sql

import (
	"strconv"
	"strings"
)

// Precedence levels, loosest first; a child rendered where a tighter level
// is required gets parentheses.
const (
	precOr = iota + 1
	precAnd
	precNot
	precPredicate
	precConcat
	precAdditive
	precMultiplicative
	precUnary
	precPrimary
)

func precedence(e Expr) int {
	switch e := e.(type) {
	case *Binary:
		switch e.Op {
		case "OR":
			return precOr
		case "AND":
			return precAnd
		case "||":
			return precConcat
		case "+", "-":
			return precAdditive
		case "*", "/", "%":
			return precMultiplicative
		}
		return precPredicate
	case *Not:
		return precNot
	case *IsNull, *IsDistinct, *Between, *In, *Like:
		return precPredicate
	case *Unary:
		return precUnary
	case *Literal:
		if strings.HasPrefix(e.Value, "-") && e.Kind != LitString {
			return precUnary
		}
	}
	return precPrimary
}

// sub renders e, parenthesised when its precedence is below min.
func sub(e Expr, min int) string {
	if precedence(e) < min {
		return "(" + e.String() + ")"
	}
	return e.String()
}

func quoteString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func (e *Literal) String() string {
	switch e.Kind {
	case LitNull:
		return "NULL"
	case LitString:
		return quoteString(e.Value)
	}
	return e.Value
}

func (e *ColumnRef) String() string {
	if e.Qualifier.Name != "" {
		return e.Qualifier.String() + "." + e.Name.String()
	}
	return e.Name.String()
}

func (e *Unary) String() string {
	s := sub(e.X, precUnary)
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		s = " " + s
	}
	return e.Op + s
}

func (e *Not) String() string { return "NOT " + sub(e.X, precNot) }

func (e *Binary) String() string {
	p := precedence(e)
	if p == precPredicate {
		return sub(e.L, precConcat) + " " + e.Op + " " + sub(e.R, precConcat)
	}
	return sub(e.L, p) + " " + e.Op + " " + sub(e.R, p+1)
}

func not(b bool) string {
	if b {
		return "NOT "
	}
	return ""
}

func (e *IsNull) String() string { return sub(e.X, precConcat) + " IS " + not(e.Not) + "NULL" }

func (e *IsDistinct) String() string {
	return sub(e.X, precConcat) + " IS " + not(e.Not) + "DISTINCT FROM " + sub(e.Y, precConcat)
}

func (e *Between) String() string {
	return sub(e.X, precConcat) + " " + not(e.Not) + "BETWEEN " + sub(e.Lo, precConcat) +
		" AND " + sub(e.Hi, precConcat)
}

func (e *In) String() string {
	return sub(e.X, precConcat) + " " + not(e.Not) + "IN (" + joinExprs(e.List) + ")"
}

func (e *Like) String() string {
	s := sub(e.X, precConcat) + " " + not(e.Not) + "LIKE " + sub(e.Pattern, precConcat)
	if e.Escape != "" {
		s += " ESCAPE " + quoteString(e.Escape)
	}
	return s
}

func (e *Case) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	if e.Operand != nil {
		b.WriteString(" " + sub(e.Operand, precConcat))
	}
	for _, w := range e.Whens {
		b.WriteString(" WHEN " + w.Cond.String() + " THEN " + w.Result.String())
	}
	if e.Else != nil {
		b.WriteString(" ELSE " + e.Else.String())
	}
	b.WriteString(" END")
	return b.String()
}

func (e *Cast) String() string { return "CAST(" + e.X.String() + " AS " + e.Type.String() + ")" }

func (e *Call) String() string {
	if e.Star {
		return e.Name.String() + "(*)"
	}
	return e.Name.String() + "(" + joinExprs(e.Args) + ")"
}

func (e *Deref) String() string { return sub(e.X, precPrimary) + "->" + e.Field.String() }

func (e *Subscript) String() string {
	return sub(e.X, precPrimary) + "[" + e.Index.String() + "]"
}

func (e *ArrayCtor) String() string { return "ARRAY[" + joinExprs(e.Elems) + "]" }

func (e *StructCtor) String() string {
	parts := make([]string, len(e.Names))
	for i, n := range e.Names {
		parts[i] = n.String() + " := " + e.Values[i].String()
	}
	return "STRUCT(" + strings.Join(parts, ", ") + ")"
}

func joinExprs(es []Expr) string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.String()
	}
	return strings.Join(parts, ", ")
}

// aliasString renders an alias; AS is written when the bare word would be
// read as a clause.
func aliasString(n Name) string {
	if clauseWords[n.Name] {
		return " AS " + n.String()
	}
	return " " + n.String()
}

func (r Relation) String() string {
	s := r.Name.String()
	if r.Alias.Name != "" {
		s += aliasString(r.Alias)
	}
	return s
}

func (d Duration) String() string { return strconv.FormatInt(d.N, 10) + " " + d.Unit }

func (w *Window) String() string {
	var parts []string
	switch w.Kind {
	case WindowSession:
		parts = append(parts, w.Size.String())
	case WindowHopping:
		parts = append(parts, "SIZE "+w.Size.String(), "ADVANCE BY "+w.Advance.String())
	default:
		parts = append(parts, "SIZE "+w.Size.String())
	}
	if w.Retention != nil {
		parts = append(parts, "RETENTION "+w.Retention.String())
	}
	if w.Grace != nil {
		parts = append(parts, "GRACE PERIOD "+w.Grace.String())
	}
	return w.Kind.String() + " (" + strings.Join(parts, ", ") + ")"
}

func (w *Within) String() string {
	s := "WITHIN " + w.Before.String()
	if w.Pair {
		s = "WITHIN (" + w.Before.String() + ", " + w.After.String() + ")"
	}
	if w.Grace != nil {
		s += " GRACE PERIOD " + w.Grace.String()
	}
	return s
}

func (j Join) String() string {
	kind := map[JoinKind]string{JoinInner: "INNER JOIN", JoinLeft: "LEFT JOIN",
		JoinRight: "RIGHT JOIN", JoinFull: "FULL OUTER JOIN"}[j.Kind]
	s := kind + " " + j.Right.String()
	if j.Within != nil {
		s += " " + j.Within.String()
	}
	return s + " ON " + j.On.String()
}

func (it SelectItem) String() string {
	switch {
	case it.Star && it.Qualifier.Name != "":
		return it.Qualifier.String() + ".*"
	case it.Star:
		return "*"
	case it.Alias.Name != "":
		return it.Expr.String() + " AS " + it.Alias.String()
	}
	return it.Expr.String()
}

func (q *Query) String() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	for i, it := range q.Select {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(it.String())
	}
	b.WriteString(" FROM " + q.From.String())
	for _, j := range q.Joins {
		b.WriteString(" " + j.String())
	}
	if q.Window != nil {
		b.WriteString(" WINDOW " + q.Window.String())
	}
	if q.Where != nil {
		b.WriteString(" WHERE " + q.Where.String())
	}
	if len(q.GroupBy) > 0 {
		b.WriteString(" GROUP BY " + joinExprs(q.GroupBy))
	}
	if len(q.PartitionBy) > 0 {
		b.WriteString(" PARTITION BY " + joinExprs(q.PartitionBy))
	}
	if q.Having != nil {
		b.WriteString(" HAVING " + q.Having.String())
	}
	switch q.Emit {
	case EmitChanges:
		b.WriteString(" EMIT CHANGES")
	case EmitFinal:
		b.WriteString(" EMIT FINAL")
	}
	if q.Limit >= 0 {
		b.WriteString(" LIMIT " + strconv.FormatInt(q.Limit, 10))
	}
	return b.String()
}

func (ps Properties) String() string {
	if len(ps) == 0 {
		return ""
	}
	parts := make([]string, len(ps))
	for i, p := range ps {
		name := p.Name
		if !isBareIdent(name) || reservedWords[name] {
			name = quoteString(name)
		}
		parts[i] = name + "=" + p.Value.String()
	}
	return " WITH (" + strings.Join(parts, ", ") + ")"
}

func (el TableElement) String() string {
	s := el.Name.String() + " " + el.Type.String()
	switch {
	case el.PrimaryKey:
		s += " PRIMARY KEY"
	case el.Key:
		s += " KEY"
	case el.Headers:
		s += " HEADERS"
	case el.HasHeader:
		s += " HEADER(" + quoteString(el.Header) + ")"
	}
	return s
}

func kindWord(table bool) string {
	if table {
		return "TABLE"
	}
	return "STREAM"
}

func createHead(orReplace, source, table, ifNotExists bool, name Name) string {
	s := "CREATE "
	if orReplace {
		s += "OR REPLACE "
	}
	if source {
		s += "SOURCE "
	}
	s += kindWord(table) + " "
	if ifNotExists {
		s += "IF NOT EXISTS "
	}
	return s + name.String()
}

func (s *CreateSource) String() string {
	out := createHead(s.OrReplace, s.Source, s.Table, s.IfNotExists, s.Name)
	if len(s.Elements) > 0 {
		parts := make([]string, len(s.Elements))
		for i, el := range s.Elements {
			parts[i] = el.String()
		}
		out += " (" + strings.Join(parts, ", ") + ")"
	}
	return out + s.Props.String()
}

func (s *CreateAs) String() string {
	return createHead(s.OrReplace, false, s.Table, s.IfNotExists, s.Name) + s.Props.String() +
		" AS " + s.Query.String()
}

func (s *InsertInto) String() string {
	return "INSERT INTO " + s.Name.String() + s.Props.String() + " " + s.Query.String()
}

func (s *InsertValues) String() string {
	out := "INSERT INTO " + s.Name.String()
	if len(s.Columns) > 0 {
		parts := make([]string, len(s.Columns))
		for i, c := range s.Columns {
			parts[i] = c.String()
		}
		out += " (" + strings.Join(parts, ", ") + ")"
	}
	return out + " VALUES (" + joinExprs(s.Values) + ")"
}

func (s *Drop) String() string {
	out := "DROP " + kindWord(s.Table) + " "
	if s.IfExists {
		out += "IF EXISTS "
	}
	out += s.Name.String()
	if s.DeleteTopic {
		out += " DELETE TOPIC"
	}
	return out
}

func (s *Show) String() string {
	out := "SHOW "
	if s.All {
		out += "ALL "
	}
	out += s.What
	if s.Extended {
		out += " EXTENDED"
	}
	return out
}

func (s *Describe) String() string {
	out := "DESCRIBE "
	switch {
	case s.Function:
		out += "FUNCTION " + s.Name.String()
	case s.Sources != "":
		out += s.Sources
	default:
		out += s.Name.String()
	}
	if s.Extended {
		out += " EXTENDED"
	}
	return out
}

func (s *Terminate) String() string {
	if s.All {
		return "TERMINATE ALL"
	}
	return "TERMINATE " + s.QueryID.String()
}

func (s *SetProperty) String() string {
	return "SET " + quoteString(s.Name) + "=" + quoteString(s.Value)
}

func (s *UnsetProperty) String() string { return "UNSET " + quoteString(s.Name) }

func (s *QueryStatement) String() string { return s.Query.String() }
