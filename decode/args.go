package decode

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"strconv"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
)

// appendValue writes an ABI value as JSON with exact types: integers of
// any size as decimal strings (never floats), addresses in lower case,
// bytes as 0x-hex, tuples as objects with their components' names.
func appendValue(d []byte, t abi.Type, v reflect.Value) ([]byte, error) {
	for v.Kind() == reflect.Interface || v.Kind() == reflect.Pointer && t.T != abi.IntTy && t.T != abi.UintTy {
		if v.IsNil() {
			return append(d, "null"...), nil
		}
		v = v.Elem()
	}
	switch t.T {
	case abi.IntTy, abi.UintTy:
		return appendInt(d, v)
	case abi.BoolTy:
		return strconv.AppendBool(d, v.Bool()), nil
	case abi.AddressTy:
		a, ok := v.Interface().(common.Address)
		if !ok {
			return nil, fmt.Errorf("address value of Go type %s", v.Type())
		}
		return appendJSONString(d, addressString(a)), nil
	case abi.StringTy:
		return appendJSONString(d, v.String()), nil
	case abi.BytesTy, abi.FixedBytesTy, abi.FunctionTy, abi.HashTy:
		return appendJSONString(d, "0x"+hex.EncodeToString(bytesOf(v))), nil
	case abi.SliceTy, abi.ArrayTy:
		d = append(d, '[')
		for i := range v.Len() {
			if i > 0 {
				d = append(d, ',')
			}
			var err error
			if d, err = appendValue(d, *t.Elem, v.Index(i)); err != nil {
				return nil, err
			}
		}
		return append(d, ']'), nil
	case abi.TupleTy:
		d = append(d, '{')
		for i, elem := range t.TupleElems {
			if i > 0 {
				d = append(d, ',')
			}
			d = append(appendJSONString(d, componentName(t, i)), ':')
			var err error
			if d, err = appendValue(d, *elem, v.Field(i)); err != nil {
				return nil, err
			}
		}
		return append(d, '}'), nil
	}
	return nil, fmt.Errorf("ABI type %s is not supported", t.String())
}

func componentName(t abi.Type, i int) string {
	if i < len(t.TupleRawNames) && t.TupleRawNames[i] != "" {
		return t.TupleRawNames[i]
	}
	return "_" + strconv.Itoa(i)
}

func appendInt(d []byte, v reflect.Value) ([]byte, error) {
	if b, ok := v.Interface().(*big.Int); ok {
		if b == nil {
			return append(d, "null"...), nil
		}
		return append(append(append(d, '"'), b.String()...), '"'), nil
	}
	d = append(d, '"')
	switch v.Kind() {
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		d = strconv.AppendInt(d, v.Int(), 10)
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		d = strconv.AppendUint(d, v.Uint(), 10)
	default:
		return nil, fmt.Errorf("integer value of Go type %s", v.Type())
	}
	return append(d, '"'), nil
}

func bytesOf(v reflect.Value) []byte {
	if v.Kind() == reflect.Slice {
		return v.Bytes()
	}
	b := make([]byte, v.Len())
	for i := range b {
		b[i] = byte(v.Index(i).Uint())
	}
	return b
}

func appendJSONString(d []byte, s string) []byte {
	b, _ := json.Marshal(s)
	return append(d, b...)
}

// isDynamic reports whether an indexed argument of type t is stored as
// the hash of its value in the topic.
func isDynamic(t abi.Type) bool {
	switch t.T {
	case abi.StringTy, abi.BytesTy, abi.SliceTy, abi.ArrayTy, abi.TupleTy:
		return true
	}
	return false
}
