package sql

import (
	"fmt"
	"sort"
	"strings"
)

// implFn computes a scalar function from evaluated arguments.
type implFn func(args []Value) (Value, error)

// scalarFunc describes one scalar function. bind checks argument types
// (and may pre-compute from constant arguments) and returns the result
// type and implementation; a non-empty msg reports argument arg as wrong.
type scalarFunc struct {
	name      string
	minArgs   int
	maxArgs   int // -1: variadic
	signature string
	// nullOnNull: any NULL argument makes the result NULL without calling impl.
	nullOnNull bool
	bind       func(args []*CompiledExpr) (ret *Type, impl implFn, arg int, msg string)
}

// scalarFuncs is the registry, built once; never modified.
var scalarFuncs = func() map[string]*scalarFunc {
	m := map[string]*scalarFunc{}
	for _, f := range append(stringFuncs(), append(mathFuncs(), timeFuncs()...)...) {
		m[f.name] = f
	}
	return m
}()

// functionNames lists every scalar and aggregate function, for suggestions.
func functionNames() []string {
	var out []string
	for n := range scalarFuncs {
		out = append(out, n)
	}
	for n := range aggregateFuncs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// FunctionNames lists the supported function names (SHOW FUNCTIONS).
func FunctionNames() []string { return functionNames() }

func isAggregateName(name string) bool {
	_, ok := aggregateFuncs[name]
	return ok
}

func (c *compiler) call(e *Call) (*CompiledExpr, error) {
	name := e.Name.Name
	if isAggregateName(name) {
		where := c.clause
		if where == "" {
			where = "this context"
		}
		return nil, errorf(e.At, name, "aggregate function %s is not allowed in %s", name, where)
	}
	f, ok := scalarFuncs[name]
	if !ok {
		return nil, errorf(e.At, name, "unknown function '%s'%s", name, didYouMean(name, functionNames()))
	}
	if e.Star {
		return nil, errorf(e.At, name, "function %s does not accept '*'", name)
	}
	if len(e.Args) < f.minArgs || (f.maxArgs >= 0 && len(e.Args) > f.maxArgs) {
		return nil, errorf(e.At, name, "wrong number of arguments for %s: got %d, expected %s", name, len(e.Args), f.signature)
	}
	args, err := c.compileAll(e.Args...)
	if err != nil {
		return nil, err
	}
	canons := make([]string, len(args))
	constant := true
	for i, a := range args {
		canons[i] = a.canon
		constant = constant && a.constant
	}
	ret, impl, bad, msg := f.bind(args)
	if msg != "" {
		pos, tok := e.At, name
		if bad >= 0 && bad < len(e.Args) {
			pos, tok = e.Args[bad].Pos(), e.Args[bad].String()
		}
		return nil, errorf(pos, tok, "%s: %s (expected %s)", name, msg, f.signature)
	}
	return callExpr(e.String(), name+"("+strings.Join(canons, ",")+")", ret, args, impl, f.nullOnNull, constant), nil
}

// callExpr evaluates the arguments into a per-call slice and applies impl.
func callExpr(text, canon string, ret *Type, args []*CompiledExpr, impl implFn, nullOnNull, constant bool) *CompiledExpr {
	fns := make([]evalFn, len(args))
	for i, a := range args {
		fns[i] = a.fn
	}
	return &CompiledExpr{Type: ret, Text: text, canon: canon, constant: constant, fn: func(r Row) (Value, error) {
		var buf [4]Value
		vals := buf[:0]
		for _, f := range fns {
			v, err := f(r)
			if err != nil {
				return nil, err
			}
			if v == nil && nullOnNull {
				return nil, nil
			}
			vals = append(vals, v)
		}
		out, err := impl(vals)
		if err != nil {
			return nil, &EvalError{Expr: text, Msg: err.Error()}
		}
		return out, nil
	}}
}

// wantKinds checks that args[i] has one of kinds (NULL always passes).
func wantKinds(args []*CompiledExpr, i int, kinds ...Kind) string {
	if i >= len(args) {
		return ""
	}
	k := args[i].Type.Kind
	if k == KindNull {
		return ""
	}
	for _, w := range kinds {
		if k == w {
			return ""
		}
	}
	names := make([]string, len(kinds))
	for j, w := range kinds {
		names[j] = w.String()
	}
	return fmt.Sprintf("argument %d must be %s, found %s", i+1, strings.Join(names, " or "), args[i].Type)
}

// wantKindsFrom checks args[from:] as wantKinds does, returning the index
// of the first that fails (-1 when none does) and its message.
func wantKindsFrom(args []*CompiledExpr, from int, kinds ...Kind) (int, string) {
	for i := from; i < len(args); i++ {
		if msg := wantKinds(args, i, kinds...); msg != "" {
			return i, msg
		}
	}
	return -1, ""
}

// constString returns a constant STRING argument's value.
func constString(a *CompiledExpr) (string, bool) {
	if !a.constant {
		return "", false
	}
	v, err := a.fn(nil)
	s, ok := v.(string)
	return s, ok && err == nil
}
