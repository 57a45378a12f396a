package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
)

// convertArgs turns JSON arguments into the Go values abi.Pack wants, one
// per input, naming the argument that does not fit.
func convertArgs(inputs abi.Arguments, raw []json.RawMessage) ([]any, error) {
	if len(raw) != len(inputs) {
		return nil, invalid("args", "want %d arguments (%s), got %d", len(inputs), signature(inputs), len(raw))
	}
	out := make([]any, len(raw))
	for i, in := range inputs {
		v, err := convertArg(in.Type, raw[i])
		if err != nil {
			return nil, invalid(fmt.Sprintf("args[%d]", i), "%s %s: %v", in.Type.String(), in.Name, err)
		}
		out[i] = v
	}
	return out, nil
}

func signature(inputs abi.Arguments) string {
	var s []string
	for _, in := range inputs {
		s = append(s, strings.TrimSpace(in.Type.String()+" "+in.Name))
	}
	return strings.Join(s, ", ")
}

// convertArg converts one JSON value to t's Go type: numbers as JSON
// numbers or decimal/0x strings, addresses and bytes as 0x-hex strings.
func convertArg(t abi.Type, raw json.RawMessage) (any, error) {
	switch t.T {
	case abi.IntTy, abi.UintTy:
		return convertInt(t, raw)
	case abi.AddressTy:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil || !common.IsHexAddress(s) {
			return nil, fmt.Errorf("want an 0x-address string, got %s", raw)
		}
		return common.HexToAddress(s), nil
	case abi.BoolTy:
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, fmt.Errorf("want true or false, got %s", raw)
		}
		return b, nil
	case abi.StringTy:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("want a string, got %s", raw)
		}
		return s, nil
	case abi.BytesTy, abi.FixedBytesTy:
		return convertBytes(t, raw)
	case abi.SliceTy, abi.ArrayTy:
		return convertList(t, raw)
	}
	// Tuples and the rest: JSON straight into the ABI's Go type.
	v := reflect.New(t.GetType())
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v.Interface()); err != nil {
		return nil, fmt.Errorf("want a %s: %v", t.String(), err)
	}
	return v.Elem().Interface(), nil
}

func convertInt(t abi.Type, raw json.RawMessage) (any, error) {
	s := string(bytes.TrimSpace(raw))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("want an integer, got %s", raw)
		}
	}
	n, ok := new(big.Int).SetString(s, 0)
	if !ok {
		return nil, fmt.Errorf("want an integer (a JSON number or a decimal or 0x string), got %s", raw)
	}
	limit := new(big.Int).Lsh(big.NewInt(1), uint(t.Size))
	if t.T == abi.UintTy && (n.Sign() < 0 || n.Cmp(limit) >= 0) {
		return nil, fmt.Errorf("%s does not fit", n)
	}
	half := new(big.Int).Rsh(limit, 1)
	if t.T == abi.IntTy && (n.Cmp(half) >= 0 || n.Cmp(new(big.Int).Neg(half)) < 0) {
		return nil, fmt.Errorf("%s does not fit", n)
	}
	goType := t.GetType()
	if goType == reflect.TypeOf(&big.Int{}) {
		return n, nil
	}
	v := reflect.New(goType).Elem()
	if t.T == abi.UintTy {
		v.SetUint(n.Uint64())
	} else {
		v.SetInt(n.Int64())
	}
	return v.Interface(), nil
}

func convertBytes(t abi.Type, raw json.RawMessage) (any, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || !strings.HasPrefix(s, "0x") {
		return nil, fmt.Errorf("want an 0x-hex string, got %s", raw)
	}
	b, err := hexBytes(s)
	if err != nil {
		return nil, fmt.Errorf("want an 0x-hex string, got %s", raw)
	}
	if t.T == abi.BytesTy {
		return b, nil
	}
	if len(b) != t.Size {
		return nil, fmt.Errorf("want %d bytes, got %d", t.Size, len(b))
	}
	v := reflect.New(t.GetType()).Elem()
	reflect.Copy(v, reflect.ValueOf(b))
	return v.Interface(), nil
}

func convertList(t abi.Type, raw json.RawMessage) (any, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("want a JSON array, got %s", raw)
	}
	if t.T == abi.ArrayTy && len(items) != t.Size {
		return nil, fmt.Errorf("want %d items, got %d", t.Size, len(items))
	}
	goType := t.GetType()
	var v reflect.Value
	if t.T == abi.SliceTy {
		v = reflect.MakeSlice(goType, len(items), len(items))
	} else {
		v = reflect.New(goType).Elem()
	}
	for i, item := range items {
		e, err := convertArg(*t.Elem, item)
		if err != nil {
			return nil, fmt.Errorf("item %d: %v", i, err)
		}
		v.Index(i).Set(reflect.ValueOf(e))
	}
	return v.Interface(), nil
}

func sortedList(s []string) string {
	slices.Sort(s)
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
