package sql

import (
	"errors"
	"fmt"
	"strings"
)

// Accumulator is one group's state for one aggregate call. Add and Retract
// take the argument value and the input record's position seq (its
// partition offset, or any number that orders the group's input and is
// the same when a record is retracted as when it was added). After
// Retract(v, seq) the accumulator — its Result and its MarshalBinary
// bytes — is exactly as if Add(v, seq) had never happened. Accumulators are
// not safe for concurrent use; a task owns its groups.
type Accumulator interface {
	Add(v Value, seq int64) error
	Retract(v Value, seq int64) error
	// Result is the aggregate's current value, of the call's Result type.
	Result() Value
	// MarshalBinary encodes the state canonically: equal states give
	// equal bytes, whatever order the inputs came in. Accumulators may
	// also implement encoding.BinaryAppender (the same bytes, appended),
	// which saves the runtime an allocation per state written.
	MarshalBinary() ([]byte, error)
	// UnmarshalBinary restores a state written by MarshalBinary of an
	// accumulator of the same call.
	UnmarshalBinary([]byte) error
}

// Compactor is implemented by accumulators whose state can shrink once
// inputs below a position can no longer be retracted (for example because
// their blocks are final). Compact(final) must not change Result.
type Compactor interface {
	Compact(final int64)
}

// ErrRetractUnknown is returned (wrapped) by Retract for a value and
// position that were never added (or were already retracted).
var ErrRetractUnknown = errors.New("retracting a value that was not added")

// AggregateFunc describes one aggregate function.
type AggregateFunc struct {
	Name      string
	signature string
	// bind checks the argument type (nil for COUNT(*)) and returns the
	// result type, or a message.
	bind func(arg *Type) (*Type, string)
	new  func(call *AggregateCall) Accumulator
}

// aggregateFuncs is the registry, built once; never modified.
var aggregateFuncs = func() map[string]*AggregateFunc {
	m := map[string]*AggregateFunc{}
	for _, f := range []*AggregateFunc{
		{Name: "COUNT", signature: "COUNT(*) or COUNT(any)", bind: bindCount, new: newCount},
		{Name: "SUM", signature: "SUM(numeric)", bind: bindSum, new: newSum},
		{Name: "AVG", signature: "AVG(numeric)", bind: bindAvg, new: newAvg},
		{Name: "MIN", signature: "MIN(primitive)", bind: bindMinMax, new: newMinMax(-1)},
		{Name: "MAX", signature: "MAX(primitive)", bind: bindMinMax, new: newMinMax(1)},
		{Name: "COUNT_DISTINCT", signature: "COUNT_DISTINCT(primitive)", bind: bindCountDistinct, new: newCountDistinct},
		{Name: "COLLECT_SET", signature: "COLLECT_SET(primitive)", bind: bindCollectSet, new: newCollectSet},
		{Name: "LATEST_BY_OFFSET", signature: "LATEST_BY_OFFSET(any [, BOOLEAN ignoreNulls])", bind: bindAny, new: newByOffset(true)},
		{Name: "EARLIEST_BY_OFFSET", signature: "EARLIEST_BY_OFFSET(any [, BOOLEAN ignoreNulls])", bind: bindAny, new: newByOffset(false)},
	} {
		m[f.Name] = f
	}
	return m
}()

func isPrimitive(t *Type) bool {
	switch t.Kind {
	case KindArray, KindMap, KindStruct:
		return false
	}
	return true
}

func bindCount(*Type) (*Type, string) { return TypeBigint, "" }

func bindAny(t *Type) (*Type, string) {
	if t == nil {
		return nil, "'*' is only allowed in COUNT(*)"
	}
	return t, ""
}

func bindMinMax(t *Type) (*Type, string) {
	if t == nil || !isPrimitive(t) || t.Kind == KindBytes {
		return nil, "argument must be a number, STRING, BOOLEAN, TIMESTAMP, DATE or TIME, found " + typeName(t)
	}
	return t, ""
}

func bindCountDistinct(t *Type) (*Type, string) {
	if t == nil || !isPrimitive(t) {
		return nil, "argument must be a primitive type, found " + typeName(t)
	}
	return TypeBigint, ""
}

func bindCollectSet(t *Type) (*Type, string) {
	if t == nil || !isPrimitive(t) {
		return nil, "argument must be a primitive type, found " + typeName(t)
	}
	return ArrayType(t), ""
}

func typeName(t *Type) string {
	if t == nil {
		return "*"
	}
	return t.String()
}

// aggregateCall compiles an aggregate call's argument over the input row.
func (c *compiler) aggregateCall(call *Call) (*AggregateCall, error) {
	f := aggregateFuncs[call.Name.Name]
	ac := &AggregateCall{Func: f, ignoreNulls: true}
	argc := len(call.Args)
	maxArgs := 1
	if strings.HasSuffix(f.Name, "_BY_OFFSET") {
		maxArgs = 2
	}
	if !call.Star && (argc < 1 || argc > maxArgs) {
		return nil, errorf(call.At, call.Name.Name, "wrong number of arguments for %s: got %d, expected %s", f.Name, argc, f.signature)
	}
	inner := &compiler{sc: c.sc, clause: "an aggregate function's argument", used: c.used}
	var argType *Type
	if call.Star {
		if f.Name != "COUNT" {
			return nil, errorf(call.At, call.Name.Name, "%s(*) is not supported: '*' is only allowed in COUNT(*)", f.Name)
		}
		ac.Arg = constExpr(TypeBoolean, "*", true)
		ac.Text = "COUNT(*)"
	} else {
		arg, err := inner.compile(call.Args[0])
		if err != nil {
			return nil, err
		}
		ac.Arg, argType = arg, arg.Type
		ac.Text = f.Name + "(" + arg.canon
		if argc == 2 {
			flag, err := inner.compile(call.Args[1])
			if err != nil {
				return nil, err
			}
			v, _ := flag.fn(nil)
			b, ok := v.(bool)
			if !flag.constant || !ok {
				return nil, errorf(call.Args[1].Pos(), call.Args[1].String(), "%s: the second argument (ignoreNulls) must be TRUE or FALSE", f.Name)
			}
			ac.ignoreNulls = b
			ac.Text += fmt.Sprintf(",%v", b)
		}
		ac.Text += ")"
	}
	if argType != nil && argType.Kind == KindNull {
		argType = TypeString
	}
	res, msg := f.bind(argType)
	if msg != "" {
		pos, tok := call.At, call.Name.Name
		if len(call.Args) > 0 {
			pos, tok = call.Args[0].Pos(), call.Args[0].String()
		}
		return nil, errorf(pos, tok, "%s: %s", f.Name, msg)
	}
	ac.Result = res
	return ac, nil
}

// aggregateCanon identifies an aggregate call structurally.
func (c *compiler) aggregateCanon(call *Call) (string, error) {
	ac, err := c.aggregateCall(call)
	if err != nil {
		return "", err
	}
	return ac.Text, nil
}
