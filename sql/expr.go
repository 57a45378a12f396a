package sql

// Expr is a parsed expression. String renders it as canonical SQL with the
// fewest parentheses that keep its meaning.
type Expr interface {
	Pos() Pos
	String() string
	exprNode()
}

// LiteralKind classifies literals.
type LiteralKind uint8

const (
	LitNull LiteralKind = iota
	LitBool
	LitInteger // INT if it fits 32 bits, else BIGINT
	LitDecimal // digits with a point: DECIMAL(p, s) exactly as written
	LitDouble  // with an exponent
	LitString
)

// Literal is a constant; Value holds the text of numbers as written (sign
// included when folded from unary minus), the string for strings, "TRUE" or
// "FALSE" for booleans.
type Literal struct {
	At    Pos
	Kind  LiteralKind
	Value string
}

// ColumnRef is `name` or `qualifier.name`; pseudo-columns (ROWTIME,
// WINDOWSTART, …) are column references too and resolve in analysis.
type ColumnRef struct {
	At        Pos
	Qualifier Name // Name == "" when unqualified
	Name      Name
}

// Unary is -x or +x.
type Unary struct {
	At Pos
	Op string
	X  Expr
}

// Not is NOT x.
type Not struct {
	At Pos
	X  Expr
}

// Binary is an arithmetic (+ - * / %), concatenation (||), comparison
// (= <> < <= > >=) or logical (AND OR) operation. "!=" is normalised to "<>".
type Binary struct {
	At   Pos // of the operator
	Op   string
	L, R Expr
}

// IsNull is x IS [NOT] NULL.
type IsNull struct {
	At  Pos
	X   Expr
	Not bool
}

// IsDistinct is x IS [NOT] DISTINCT FROM y.
type IsDistinct struct {
	At   Pos
	X, Y Expr
	Not  bool
}

// Between is x [NOT] BETWEEN lo AND hi.
type Between struct {
	At        Pos
	X, Lo, Hi Expr
	Not       bool
}

// In is x [NOT] IN (list).
type In struct {
	At   Pos
	X    Expr
	List []Expr
	Not  bool
}

// Like is x [NOT] LIKE pattern [ESCAPE 'c'].
type Like struct {
	At      Pos
	X       Expr
	Pattern Expr
	Escape  string // "" when absent
	Not     bool
}

// When is one WHEN … THEN … arm.
type When struct {
	Cond, Result Expr
}

// Case is CASE [operand] WHEN … THEN … [ELSE …] END.
type Case struct {
	At      Pos
	Operand Expr // nil for a searched CASE
	Whens   []When
	Else    Expr // nil when absent
}

// Cast is CAST(x AS type).
type Cast struct {
	At   Pos
	X    Expr
	Type *Type
}

// Call is a function call; Star is COUNT(*). Name is upper-cased.
type Call struct {
	At   Pos
	Name Name
	Args []Expr
	Star bool
}

// Deref is x->field.
type Deref struct {
	At    Pos
	X     Expr
	Field Name
}

// Subscript is x[index]: 1-based for arrays as in ksqlDB (negative counts
// from the end), a key for maps.
type Subscript struct {
	At    Pos
	X     Expr
	Index Expr
}

// ArrayCtor is ARRAY[e, …].
type ArrayCtor struct {
	At    Pos
	Elems []Expr
}

// StructCtor is STRUCT(name := e, …).
type StructCtor struct {
	At     Pos
	Names  []Name
	Values []Expr
}

func (e *Literal) Pos() Pos    { return e.At }
func (e *ColumnRef) Pos() Pos  { return e.At }
func (e *Unary) Pos() Pos      { return e.At }
func (e *Not) Pos() Pos        { return e.At }
func (e *Binary) Pos() Pos     { return e.L.Pos() }
func (e *IsNull) Pos() Pos     { return e.X.Pos() }
func (e *IsDistinct) Pos() Pos { return e.X.Pos() }
func (e *Between) Pos() Pos    { return e.X.Pos() }
func (e *In) Pos() Pos         { return e.X.Pos() }
func (e *Like) Pos() Pos       { return e.X.Pos() }
func (e *Case) Pos() Pos       { return e.At }
func (e *Cast) Pos() Pos       { return e.At }
func (e *Call) Pos() Pos       { return e.At }
func (e *Deref) Pos() Pos      { return e.X.Pos() }
func (e *Subscript) Pos() Pos  { return e.X.Pos() }
func (e *ArrayCtor) Pos() Pos  { return e.At }
func (e *StructCtor) Pos() Pos { return e.At }

func (*Literal) exprNode()    {}
func (*ColumnRef) exprNode()  {}
func (*Unary) exprNode()      {}
func (*Not) exprNode()        {}
func (*Binary) exprNode()     {}
func (*IsNull) exprNode()     {}
func (*IsDistinct) exprNode() {}
func (*Between) exprNode()    {}
func (*In) exprNode()         {}
func (*Like) exprNode()       {}
func (*Case) exprNode()       {}
func (*Cast) exprNode()       {}
func (*Call) exprNode()       {}
func (*Deref) exprNode()      {}
func (*Subscript) exprNode()  {}
func (*ArrayCtor) exprNode()  {}
func (*StructCtor) exprNode() {}
