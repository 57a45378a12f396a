package sql

import "strings"

func stringFuncs() []*scalarFunc {
	return []*scalarFunc{
		{name: "COALESCE", minArgs: 1, maxArgs: -1, signature: "COALESCE(T, T, …)", bind: bindCoalesce},
		{name: "IFNULL", minArgs: 2, maxArgs: 2, signature: "IFNULL(T, T)", bind: bindCoalesce},
		{name: "CONCAT", minArgs: 1, maxArgs: -1, signature: "CONCAT(STRING, …)", bind: bindConcat},
		{name: "LCASE", minArgs: 1, maxArgs: 1, signature: "LCASE(STRING)", nullOnNull: true, bind: bindStringMap(strings.ToLower)},
		{name: "UCASE", minArgs: 1, maxArgs: 1, signature: "UCASE(STRING)", nullOnNull: true, bind: bindStringMap(strings.ToUpper)},
		{name: "TRIM", minArgs: 1, maxArgs: 1, signature: "TRIM(STRING)", nullOnNull: true, bind: bindStringMap(strings.TrimSpace)},
		{name: "LEN", minArgs: 1, maxArgs: 1, signature: "LEN(STRING)", nullOnNull: true, bind: bindLen},
		{name: "SUBSTRING", minArgs: 2, maxArgs: 3, signature: "SUBSTRING(STRING, INTEGER [, INTEGER])", nullOnNull: true, bind: bindSubstring},
		{name: "REPLACE", minArgs: 3, maxArgs: 3, signature: "REPLACE(STRING, STRING, STRING)", nullOnNull: true, bind: bindReplace},
	}
}

// bindCoalesce: the first non-NULL argument, all unified to one type.
func bindCoalesce(args []*CompiledExpr) (*Type, implFn, int, string) {
	t := TypeNull
	for i, a := range args {
		u, ok := commonType(t, a.Type)
		if !ok {
			return nil, nil, i, "arguments have different types: " + t.String() + " and " + a.Type.String()
		}
		t = u
	}
	conv := func(v Value) Value { return v }
	if t.IsNumeric() {
		nc := numericConverter(t)
		conv = func(v Value) Value { return nc(v) }
	}
	return t, func(vals []Value) (Value, error) {
		for _, v := range vals {
			if v != nil {
				return conv(v), nil
			}
		}
		return nil, nil
	}, -1, ""
}

// bindConcat joins strings, skipping NULLs as ksqlDB does.
func bindConcat(args []*CompiledExpr) (*Type, implFn, int, string) {
	if i, msg := wantKindsFrom(args, 0, KindString); msg != "" {
		return nil, nil, i, msg
	}
	return TypeString, func(vals []Value) (Value, error) {
		var b strings.Builder
		for _, v := range vals {
			if s, ok := v.(string); ok {
				b.WriteString(s)
			}
		}
		return b.String(), nil
	}, -1, ""
}

func bindStringMap(f func(string) string) func([]*CompiledExpr) (*Type, implFn, int, string) {
	return func(args []*CompiledExpr) (*Type, implFn, int, string) {
		if msg := wantKinds(args, 0, KindString); msg != "" {
			return nil, nil, 0, msg
		}
		return TypeString, func(vals []Value) (Value, error) { return f(vals[0].(string)), nil }, -1, ""
	}
}

func bindLen(args []*CompiledExpr) (*Type, implFn, int, string) {
	if msg := wantKinds(args, 0, KindString, KindBytes); msg != "" {
		return nil, nil, 0, msg
	}
	return TypeInt, func(vals []Value) (Value, error) {
		if b, ok := vals[0].([]byte); ok {
			return int32(len(b)), nil
		}
		return int32(len([]rune(vals[0].(string)))), nil
	}, -1, ""
}

// bindSubstring is ksqlDB's SUBSTRING: 1-based position, a negative
// position counts from the end, positions and lengths are clamped.
func bindSubstring(args []*CompiledExpr) (*Type, implFn, int, string) {
	if msg := wantKinds(args, 0, KindString); msg != "" {
		return nil, nil, 0, msg
	}
	if i, msg := wantKindsFrom(args, 1, KindInt, KindBigint); msg != "" {
		return nil, nil, i, msg
	}
	return TypeString, func(vals []Value) (Value, error) {
		r := []rune(vals[0].(string))
		n := int64(len(r))
		pos := toInt64(vals[1])
		var start int64
		if pos >= 0 {
			start = min(n, max(0, pos-1))
		} else {
			start = max(0, n+pos)
		}
		end := n
		if len(vals) == 3 {
			end = max(start, min(n, start+toInt64(vals[2])))
		}
		return string(r[start:end]), nil
	}, -1, ""
}

func bindReplace(args []*CompiledExpr) (*Type, implFn, int, string) {
	if i, msg := wantKindsFrom(args, 0, KindString); msg != "" {
		return nil, nil, i, msg
	}
	return TypeString, func(vals []Value) (Value, error) {
		return strings.ReplaceAll(vals[0].(string), vals[1].(string), vals[2].(string)), nil
	}, -1, ""
}
