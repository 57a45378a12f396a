package sql

// Statement is one parsed statement. String renders canonical SQL (without
// the trailing ';') that parses back to an equal statement; Text is the
// exact source text of the statement, as the runtime stores it.
type Statement interface {
	Pos() Pos
	Text() string
	String() string
	stmtNode()
}

// stmtBase carries what every statement has.
type stmtBase struct {
	At  Pos
	Src string
}

func (s *stmtBase) Pos() Pos     { return s.At }
func (s *stmtBase) Text() string { return s.Src }
func (s *stmtBase) stmtNode()    {}

// CreateSource is CREATE [OR REPLACE] [SOURCE] STREAM|TABLE [IF NOT EXISTS]
// name (elements) WITH (props).
type CreateSource struct {
	stmtBase
	OrReplace   bool
	Source      bool // CREATE SOURCE TABLE|STREAM: read-only, materialized
	Table       bool
	IfNotExists bool
	Name        Name
	Elements    []TableElement
	Props       Properties
}

// CreateAs is CREATE [OR REPLACE] STREAM|TABLE [IF NOT EXISTS] name
// [WITH (props)] AS query.
type CreateAs struct {
	stmtBase
	OrReplace   bool
	Table       bool
	IfNotExists bool
	Name        Name
	Props       Properties
	Query       *Query
}

// InsertInto is INSERT INTO name [WITH (props)] query.
type InsertInto struct {
	stmtBase
	Name  Name
	Props Properties
	Query *Query
}

// InsertValues is INSERT INTO name [(columns)] VALUES (values).
type InsertValues struct {
	stmtBase
	Name    Name
	Columns []Name
	Values  []Expr
}

// Drop is DROP STREAM|TABLE [IF EXISTS] name [DELETE TOPIC].
type Drop struct {
	stmtBase
	Table       bool
	IfExists    bool
	Name        Name
	DeleteTopic bool
}

// Show is SHOW|LIST STREAMS|TABLES|QUERIES|TOPICS|PROPERTIES|FUNCTIONS [EXTENDED].
type Show struct {
	stmtBase
	What     string // STREAMS, TABLES, QUERIES, TOPICS, PROPERTIES, FUNCTIONS
	All      bool   // SHOW ALL TOPICS
	Extended bool
}

// Describe is DESCRIBE name [EXTENDED], DESCRIBE STREAMS|TABLES [EXTENDED]
// (Name empty, Sources set) or DESCRIBE FUNCTION name.
type Describe struct {
	stmtBase
	Name     Name
	Sources  string // "STREAMS" or "TABLES" when describing all of them
	Function bool
	Extended bool
}

// Terminate is TERMINATE query_id | TERMINATE ALL.
type Terminate struct {
	stmtBase
	QueryID Name
	All     bool
}

// SetProperty is SET 'name' = 'value'.
type SetProperty struct {
	stmtBase
	Name, Value string
}

// UnsetProperty is UNSET 'name'.
type UnsetProperty struct {
	stmtBase
	Name string
}

// QueryStatement is a bare SELECT: a push query (EMIT CHANGES) or a pull query.
type QueryStatement struct {
	stmtBase
	Query *Query
}

// Name is an identifier: normalised (unquoted upper-cased, quoted as
// written) with its position.
type Name struct {
	Name string
	At   Pos
}

func (n Name) String() string { return quoteIdent(n.Name) }

// TableElement is one column of CREATE STREAM/TABLE.
type TableElement struct {
	Name       Name
	Type       *Type
	Key        bool // KEY (streams)
	PrimaryKey bool // PRIMARY KEY (tables)
	Headers    bool // HEADERS
	Header     string
	HasHeader  bool // HEADER('key')
	TypeAt     Pos
	KeyAt      Pos // where KEY / PRIMARY KEY was written
}

// Property is one WITH entry; Name is upper-cased; Value is a literal.
type Property struct {
	Name  string
	At    Pos
	Value *Literal
}

// Properties is a WITH list in source order.
type Properties []Property

// Get returns the property named name (upper case), if present.
func (ps Properties) Get(name string) (Property, bool) {
	for _, p := range ps {
		if p.Name == name {
			return p, true
		}
	}
	return Property{}, false
}

// EmitKind is a query's EMIT clause.
type EmitKind uint8

const (
	EmitNone EmitKind = iota
	EmitChanges
	EmitFinal
)

// Query is a SELECT.
type Query struct {
	At          Pos
	Select      []SelectItem
	From        Relation
	Joins       []Join
	Window      *Window
	Where       Expr
	GroupBy     []Expr
	PartitionBy []Expr
	Having      Expr
	Emit        EmitKind
	EmitAt      Pos
	Limit       int64 // -1 when absent
}

// SelectItem is `expr [AS alias]`, `*` or `qualifier.*`.
type SelectItem struct {
	At        Pos
	Expr      Expr // nil for stars
	Alias     Name // Name == "" when absent
	Star      bool
	Qualifier Name // for `q.*`
}

// Relation is a source with its alias (empty when none was written).
type Relation struct {
	Name  Name
	Alias Name
}

// JoinKind is INNER, LEFT, RIGHT or FULL (OUTER).
type JoinKind uint8

const (
	JoinInner JoinKind = iota
	JoinLeft
	JoinRight
	JoinFull
)

func (k JoinKind) String() string {
	return [...]string{"INNER", "LEFT", "RIGHT", "FULL"}[k]
}

// Join is one `kind JOIN relation [WITHIN …] ON cond`.
type Join struct {
	At     Pos
	Kind   JoinKind
	Right  Relation
	Within *Within
	On     Expr
}

// Within is a join window: WITHIN n UNIT, WITHIN (before, after), with an
// optional GRACE PERIOD.
type Within struct {
	At     Pos
	Before Duration
	After  Duration
	Pair   bool // written as (before, after)
	Grace  *Duration
}

// Duration is `n UNIT` as written; Unit is the upper-cased unit word.
type Duration struct {
	N    int64
	Unit string
}

// Millis converts to milliseconds.
func (d Duration) Millis() int64 { return d.N * unitMillis[d.Unit] }

var unitMillis = map[string]int64{
	"MILLISECOND": 1, "MILLISECONDS": 1, "SECOND": 1000, "SECONDS": 1000,
	"MINUTE": 60_000, "MINUTES": 60_000, "HOUR": 3_600_000, "HOURS": 3_600_000,
	"DAY": 86_400_000, "DAYS": 86_400_000,
}

// WindowKind is TUMBLING, HOPPING or SESSION.
type WindowKind uint8

const (
	WindowTumbling WindowKind = iota + 1
	WindowHopping
	WindowSession
)

func (k WindowKind) String() string {
	return [...]string{"", "TUMBLING", "HOPPING", "SESSION"}[k]
}

// Window is the WINDOW clause. Size is the session gap for SESSION.
type Window struct {
	At        Pos
	Kind      WindowKind
	Size      Duration
	Advance   Duration // HOPPING only
	Retention *Duration
	Grace     *Duration
}
