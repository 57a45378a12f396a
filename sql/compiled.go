package sql

import "fmt"

// evalFn evaluates an expression over a row.
type evalFn func(Row) (Value, error)

// nullPropagating1 applies f to the operand's value: NULL in, NULL out.
func nullPropagating1(xf evalFn, f func(Value) Value) evalFn {
	return func(r Row) (Value, error) {
		v, err := xf(r)
		if err != nil || v == nil {
			return nil, err
		}
		return f(v), nil
	}
}

// nullPropagating2 applies op to two operands evaluated left to right: NULL
// when either is NULL (the right one is not evaluated when the left one is
// NULL), and the first error stops it. Where the operation is one plain call
// (LIKE, simple CASE's equality) the closure is written out instead: going
// through op would cost a call per row.
func nullPropagating2(lf, rf evalFn, op func(a, b Value) Value) evalFn {
	return func(r Row) (Value, error) {
		a, err := lf(r)
		if err != nil || a == nil {
			return nil, err
		}
		b, err := rf(r)
		if err != nil || b == nil {
			return nil, err
		}
		return op(a, b), nil
	}
}

// CompiledExpr is a type-checked expression ready to evaluate. Eval is safe
// for concurrent use (compiled expressions hold no mutable state).
type CompiledExpr struct {
	// Type is the result type (TypeNull only for a bare NULL literal).
	Type *Type
	// Text is the expression as written (canonical SQL).
	Text string
	// canon identifies the expression structurally with columns resolved
	// to row positions, so `t.account` and `account` compare equal.
	canon string
	fn    evalFn
	// constant is set for expressions without column references.
	constant bool
}

// Eval evaluates the expression over row. Errors are *EvalError.
func (c *CompiledExpr) Eval(row Row) (Value, error) { return c.fn(row) }

func (c *CompiledExpr) String() string { return c.Text }

// EvalError is a failure evaluating an expression on one row (a failed
// CAST, an out-of-range value). ksqlDB logs such rows to its processing log
// and goes on; the runtime should route them to the errors topic.
type EvalError struct {
	Expr string
	Msg  string
}

func (e *EvalError) Error() string { return fmt.Sprintf("evaluating %s: %s", e.Expr, e.Msg) }

func constExpr(t *Type, text string, v Value) *CompiledExpr {
	return &CompiledExpr{Type: t, Text: text, canon: text, constant: true,
		fn: func(Row) (Value, error) { return v, nil }}
}
