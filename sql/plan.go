package sql

// Plan is the result of Analyze: what a statement means, resolved against
// the catalog. Concrete types: *CreateSourcePlan, *QueryPlan,
// *InsertValuesPlan, *DropPlan and *CommandPlan.
type Plan interface{ planNode() }

// CreateSourcePlan declares a stream or table over an existing topic.
type CreateSourcePlan struct {
	Source      *Source
	OrReplace   bool
	IfNotExists bool
}

// DropPlan removes a source.
type DropPlan struct {
	Name        string
	Kind        SourceKind
	IfExists    bool
	DeleteTopic bool
	Exists      bool // whether the catalog has it
}

// InsertValuesPlan writes one row to a source: Row follows Target.Schema
// (key and value columns); Key holds the key columns' values.
type InsertValuesPlan struct {
	Target *Source
	Row    Row
	Key    Row
}

// CommandPlan is a statement the runtime executes directly (SHOW, LIST,
// DESCRIBE, TERMINATE, SET, UNSET); nothing to resolve beyond the AST.
type CommandPlan struct {
	Statement Statement
}

// QueryKind distinguishes what a SELECT becomes.
type QueryKind uint8

const (
	PushQuery       QueryKind = iota + 1 // transient SELECT … EMIT CHANGES|FINAL
	PullQuery                            // transient SELECT on a materialized table
	PersistentQuery                      // CREATE … AS SELECT, INSERT INTO … SELECT
)

// QueryPlan is a SELECT compiled into a per-partition pipeline. A task runs,
// per input record:
//
//  1. From: assemble the scan row (Scan.Assemble).
//  2. Joins in order; each may first re-key its left input (LeftRekey, a
//     repartition) and/or its right input, then look up / buffer as its
//     Type says. The joined row is the concatenation of the scan rows, in
//     FROM, JOIN, JOIN … order, with NULLs for a missing side.
//  3. Where over the joined row; drop the row unless it is TRUE.
//  4. Rekey (PARTITION BY, or GROUP BY on something other than the current
//     key): repartition on these expressions.
//  5. Aggregate, when not nil: group by GroupBy, window by Window, feed
//     each Aggregates[i].Arg to that group's accumulator (Add, or Retract
//     for a retracted input). Its output row is AggregateRow's layout.
//  6. Having over the aggregate row.
//  7. Project: one expression per Output column, over the joined row (no
//     aggregate) or the aggregate row.
//  8. Sink (persistent queries), or the client (push/pull queries).
type QueryPlan struct {
	Kind      QueryKind
	From      *Scan
	Joins     []*JoinStep
	Where     *CompiledExpr // nil when absent
	Rekey     []*CompiledExpr
	Aggregate *AggregateStep // nil for non-aggregating queries
	Having    *CompiledExpr
	Project   []*CompiledExpr
	// Output is the result schema; its Key columns are the output key.
	Output *Schema
	// ResultKind is STREAM (append records) or TABLE (a changelog: upserts,
	// tombstones when a group disappears).
	ResultKind SourceKind
	Emit       EmitKind
	Limit      int64 // -1 when absent
	// Sink is set for persistent queries.
	Sink *SinkSpec
	// InputWidth is the width of the joined row (sum of the scans' widths).
	InputWidth int
	// Statement is the source text.
	Statement string
}

// Scan reads one source. Its row layout is the source's schema columns in
// declared order followed by PseudoColumns.
type Scan struct {
	Source *Source
	Alias  string
	// Offset is where this scan's row starts in the joined row.
	Offset int
	// TimestampColumn is the index of the event-time column in the scan
	// row, -1 to use the record timestamp.
	TimestampColumn int
}

// Width is the number of values in the scan row.
func (s *Scan) Width() int { return len(s.Source.Schema.Columns) + numPseudo }

// RecordMeta is what a record brings besides key and value.
type RecordMeta struct {
	Timestamp   int64
	Partition   int32
	Offset      int64
	Windowed    bool
	WindowStart int64
	WindowEnd   int64
}

// Assemble builds the scan row from the decoded value (DecodeJSON's Row,
// schema-length with nil key slots; nil for a tombstone), the decoded key
// (one value per key column) and the record's metadata. It reuses value's
// spare capacity when there is some.
func (s *Scan) Assemble(key, value Row, m RecordMeta) Row {
	cols := s.Source.Schema.Columns
	row := value
	if row == nil {
		row = make(Row, len(cols), len(cols)+numPseudo)
	}
	k := 0
	for i, c := range cols {
		if c.Key && k < len(key) {
			row[i] = key[k]
			k++
		}
	}
	var ws, we Value
	if m.Windowed {
		ws, we = m.WindowStart, m.WindowEnd
	}
	var rowtime Value
	if s.TimestampColumn >= 0 && s.TimestampColumn < len(row) {
		if _, ok := row[s.TimestampColumn].(int64); ok {
			rowtime = row[s.TimestampColumn] // the same value, already boxed
		}
	}
	if rowtime == nil {
		rowtime = s.rowtime(row, m)
	}
	return append(row[:len(cols)], rowtime, m.Partition, m.Offset, ws, we)
}

// rowtime is the event time: the TIMESTAMP column when the source declares
// one and the record has it, else the record timestamp. The runtime should
// use EventTime for windowing too.
func (s *Scan) rowtime(row Row, m RecordMeta) int64 {
	if s.TimestampColumn >= 0 && s.TimestampColumn < len(row) {
		switch t := row[s.TimestampColumn].(type) {
		case int64:
			return t
		case Timestamp:
			return int64(t)
		}
	}
	return m.Timestamp
}

// EventTime returns ROWTIME of an assembled scan row.
func (s *Scan) EventTime(row Row) int64 {
	if v, ok := row[len(s.Source.Schema.Columns)+PseudoRowtime].(int64); ok {
		return v
	}
	return 0
}

// JoinType is the combination of source kinds.
type JoinType uint8

const (
	StreamStream JoinType = iota + 1 // windowed (Within), both sides buffered
	StreamTable                      // lookup of the table's current row by key
	TableTable                       // both sides materialized
)

func (t JoinType) String() string {
	return [...]string{"", "STREAM-STREAM", "STREAM-TABLE", "TABLE-TABLE"}[t]
}

// JoinStep joins the accumulated left row with Right.
type JoinStep struct {
	Kind  JoinKind
	Type  JoinType
	Right *Scan
	// LeftKey and RightKey are the equi-join expressions; LeftKey over the
	// joined row so far, RightKey over the joined row too (it reads the
	// right scan's slots).
	LeftKey, RightKey *CompiledExpr
	// LeftRekey / RightRekey say the side must be repartitioned by its key
	// expression first (its current key differs).
	LeftRekey, RightRekey bool
	// ForeignKey marks a table-table join on a non-key column of the left.
	ForeignKey bool
	// Within bounds a stream-stream join: right records from Before ms
	// before to After ms after the left record; Grace ms late arrivals.
	Before, After, Grace int64
	HasGrace             bool
}

// AggregateStep groups and aggregates.
type AggregateStep struct {
	GroupBy    []*CompiledExpr // over the joined row
	Window     *WindowSpec     // nil when not windowed
	Aggregates []*AggregateCall
	// InputIsChangelog says the input is a table: an update retracts the
	// old row's contribution before adding the new one (KTable semantics).
	InputIsChangelog bool
}

// AggregateRow layout: GroupBy values, then one result per aggregate, then
// WINDOWSTART and WINDOWEND (NULL when not windowed).
func (a *AggregateStep) Width() int { return len(a.GroupBy) + len(a.Aggregates) + 2 }

// WindowSpec is a resolved WINDOW clause, in milliseconds. For SESSION,
// Size is the inactivity gap.
type WindowSpec struct {
	Kind      WindowKind
	Size      int64
	Advance   int64 // HOPPING
	Retention int64 // 0 when not set
	Grace     int64
	HasGrace  bool
}

// AggregateCall is one aggregate function call with its compiled argument.
type AggregateCall struct {
	Func   *AggregateFunc
	Arg    *CompiledExpr // for COUNT(*), the constant TRUE
	Result *Type
	Text   string // as written, canonical
	// ignoreNulls for LATEST/EARLIEST_BY_OFFSET (default true, as ksqlDB).
	ignoreNulls bool
}

// NewAccumulator returns an empty accumulator for one group.
func (c *AggregateCall) NewAccumulator() Accumulator { return c.Func.new(c) }

// SinkSpec is where a persistent query writes.
type SinkSpec struct {
	Name        string
	Topic       string
	Partitions  int // 0: same as the input
	KeyFormat   string
	ValueFormat string
	Kind        SourceKind
	Window      WindowKind // windowed key, 0 when not
	WindowSize  int64
	// Create is true for CREATE … AS (the sink source is new), false for
	// INSERT INTO.
	Create      bool
	OrReplace   bool
	IfNotExists bool
	// Source is the catalog entry the runtime registers (or already has).
	Source *Source
}

func (*CreateSourcePlan) planNode() {}
func (*DropPlan) planNode()         {}
func (*InsertValuesPlan) planNode() {}
func (*CommandPlan) planNode()      {}
func (*QueryPlan) planNode()        {}
