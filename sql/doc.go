// Package sql is chaintap's implementation of ksqlDB's SQL: lexer, parser,
// AST, types and values, analyzer/planner, expression evaluation, scalar
// functions and aggregates that can be retracted.
//
// The runtime (package stream) uses it like this:
//
//	sts, err := sql.Parse(text)              // statements keep Pos and exact Text
//	plan, err := sql.Analyze(st, catalog)    // *CreateSourcePlan, *QueryPlan, …
//
// A *QueryPlan is a fixed pipeline per input partition: Scan (Assemble the
// row from the decoded key, the decoded JSON value and the record's
// metadata) → Joins → Where → Rekey → Aggregate → Having → Project → Sink.
// Every expression in it is a *CompiledExpr whose Eval(Row) is safe for
// concurrent use. Aggregates hand out Accumulators with Add and Retract
// (a reorg's retraction undoes an input exactly) whose state marshals to
// canonical bytes for the state store and its changelog topic.
//
// Values are plain Go values chosen by SQL type (see Value); rows are
// []Value in schema order. Codecs: RowDecoder/DecodeJSON and
// AppendJSON/EncodeJSON for JSON values, EncodeKey/DecodeKey for KAFKA and
// JSON keys, Append*WindowedKey/Split*WindowedKey for windowed keys,
// AppendRow/ReadRow for a compact binary row encoding.
//
// Parse and analysis errors are *Error with line:column and the offending
// token; JSON decoding errors are *DecodeError naming the column;
// evaluation errors are *EvalError.
package sql
