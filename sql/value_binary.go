package sql

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"
)

// Binary value encoding: self-describing (a tag byte per value), canonical
// (equal values of one type encode to equal bytes: map keys sorted), used
// for aggregate state and anything else the runtime keeps in its store.

const (
	tagNull byte = iota
	tagFalse
	tagTrue
	tagInt
	tagBigint
	tagDouble
	tagDecimal
	tagString
	tagBytes
	tagTimestamp
	tagDate
	tagTime
	tagArray
	tagMap
	tagStruct
)

// ErrCorrupt is returned (wrapped) for bytes that are not a valid encoding.
var ErrCorrupt = errors.New("corrupt binary value")

// AppendValue appends the binary encoding of v.
func AppendValue(dst []byte, v Value) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, tagNull)
	case bool:
		if x {
			return append(dst, tagTrue)
		}
		return append(dst, tagFalse)
	case int32:
		return binary.BigEndian.AppendUint32(append(dst, tagInt), uint32(x))
	case int64:
		return binary.BigEndian.AppendUint64(append(dst, tagBigint), uint64(x))
	case float64:
		return binary.BigEndian.AppendUint64(append(dst, tagDouble), math.Float64bits(x))
	case Decimal:
		dst = binary.AppendVarint(append(dst, tagDecimal), int64(x.scale))
		return appendBigInt(dst, x.c())
	case string:
		dst = binary.AppendUvarint(append(dst, tagString), uint64(len(x)))
		return append(dst, x...)
	case []byte:
		dst = binary.AppendUvarint(append(dst, tagBytes), uint64(len(x)))
		return append(dst, x...)
	case Timestamp:
		return binary.BigEndian.AppendUint64(append(dst, tagTimestamp), uint64(x))
	case Date:
		return binary.BigEndian.AppendUint32(append(dst, tagDate), uint32(x))
	case Time:
		return binary.BigEndian.AppendUint32(append(dst, tagTime), uint32(x))
	case []Value:
		dst = binary.AppendUvarint(append(dst, tagArray), uint64(len(x)))
		for _, e := range x {
			dst = AppendValue(dst, e)
		}
		return dst
	case Struct:
		dst = binary.AppendUvarint(append(dst, tagStruct), uint64(len(x)))
		for _, e := range x {
			dst = AppendValue(dst, e)
		}
		return dst
	case map[string]Value:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		dst = binary.AppendUvarint(append(dst, tagMap), uint64(len(x)))
		for _, k := range keys {
			dst = binary.AppendUvarint(dst, uint64(len(k)))
			dst = append(dst, k...)
			dst = AppendValue(dst, x[k])
		}
		return dst
	}
	panic(fmt.Sprintf("sql: AppendValue of unsupported Go type %T", v))
}

// appendBigInt writes a sign byte, a length and the magnitude.
func appendBigInt(dst []byte, n *big.Int) []byte {
	sign := byte(0)
	if n.Sign() < 0 {
		sign = 1
	}
	mag := n.Bytes()
	dst = append(dst, sign)
	dst = binary.AppendUvarint(dst, uint64(len(mag)))
	return append(dst, mag...)
}

// AppendRow appends a row: its length then each value.
func AppendRow(dst []byte, r Row) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(r)))
	for _, v := range r {
		dst = AppendValue(dst, v)
	}
	return dst
}

// ReadRow decodes a row written by AppendRow, returning the rest of b.
func ReadRow(b []byte) (Row, []byte, error) {
	n, b, err := readUvarint(b)
	if err != nil {
		return nil, nil, err
	}
	if n > uint64(len(b)) {
		return nil, nil, fmt.Errorf("row of %d values in %d bytes: %w", n, len(b), ErrCorrupt)
	}
	r := make(Row, n)
	for i := range r {
		if r[i], b, err = ReadValue(b); err != nil {
			return nil, nil, err
		}
	}
	return r, b, nil
}

func readUvarint(b []byte) (uint64, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 {
		return 0, nil, fmt.Errorf("bad length: %w", ErrCorrupt)
	}
	return n, b[k:], nil
}

func readFixed(b []byte, n int) ([]byte, []byte, error) {
	if len(b) < n {
		return nil, nil, fmt.Errorf("truncated value: %w", ErrCorrupt)
	}
	return b[:n], b[n:], nil
}

// ReadValue decodes one value written by AppendValue, returning the rest.
func ReadValue(b []byte) (Value, []byte, error) {
	if len(b) == 0 {
		return nil, nil, fmt.Errorf("empty input: %w", ErrCorrupt)
	}
	tag, b := b[0], b[1:]
	switch tag {
	case tagNull:
		return nil, b, nil
	case tagFalse, tagTrue:
		return tag == tagTrue, b, nil
	case tagInt, tagDate, tagTime:
		p, rest, err := readFixed(b, 4)
		if err != nil {
			return nil, nil, err
		}
		u := binary.BigEndian.Uint32(p)
		switch tag {
		case tagDate:
			return Date(int32(u)), rest, nil
		case tagTime:
			return Time(int32(u)), rest, nil
		}
		return int32(u), rest, nil
	case tagBigint, tagDouble, tagTimestamp:
		p, rest, err := readFixed(b, 8)
		if err != nil {
			return nil, nil, err
		}
		u := binary.BigEndian.Uint64(p)
		switch tag {
		case tagDouble:
			return math.Float64frombits(u), rest, nil
		case tagTimestamp:
			return Timestamp(int64(u)), rest, nil
		}
		return int64(u), rest, nil
	case tagDecimal:
		return readDecimal(b)
	case tagString, tagBytes:
		n, rest, err := readUvarint(b)
		if err != nil {
			return nil, nil, err
		}
		p, rest, err := readFixed(rest, int(min(n, uint64(len(rest)+1))))
		if err != nil {
			return nil, nil, err
		}
		if tag == tagString {
			return string(p), rest, nil
		}
		return append([]byte{}, p...), rest, nil
	case tagArray, tagStruct:
		return readList(tag, b)
	case tagMap:
		return readMap(b)
	}
	return nil, nil, fmt.Errorf("unknown tag %d: %w", tag, ErrCorrupt)
}

func readBigInt(b []byte) (*big.Int, []byte, error) {
	if len(b) < 1 {
		return nil, nil, fmt.Errorf("truncated integer: %w", ErrCorrupt)
	}
	neg := b[0] == 1
	n, rest, err := readUvarint(b[1:])
	if err != nil {
		return nil, nil, err
	}
	p, rest, err := readFixed(rest, int(min(n, uint64(len(rest)+1))))
	if err != nil {
		return nil, nil, err
	}
	v := new(big.Int).SetBytes(p)
	if neg {
		v.Neg(v)
	}
	return v, rest, nil
}

func readDecimal(b []byte) (Value, []byte, error) {
	scale, k := binary.Varint(b)
	if k <= 0 || scale < 0 || scale > math.MaxInt32/2 {
		return nil, nil, fmt.Errorf("bad decimal scale: %w", ErrCorrupt)
	}
	coef, rest, err := readBigInt(b[k:])
	if err != nil {
		return nil, nil, err
	}
	return Decimal{coef: coef, scale: int32(scale)}, rest, nil
}

func readList(tag byte, b []byte) (Value, []byte, error) {
	n, rest, err := readUvarint(b)
	if err != nil {
		return nil, nil, err
	}
	if n > uint64(len(rest)) {
		return nil, nil, fmt.Errorf("list of %d in %d bytes: %w", n, len(rest), ErrCorrupt)
	}
	out := make([]Value, n)
	for i := range out {
		if out[i], rest, err = ReadValue(rest); err != nil {
			return nil, nil, err
		}
	}
	if tag == tagStruct {
		return Struct(out), rest, nil
	}
	return out, rest, nil
}

func readMap(b []byte) (Value, []byte, error) {
	n, rest, err := readUvarint(b)
	if err != nil {
		return nil, nil, err
	}
	if n > uint64(len(rest)) {
		return nil, nil, fmt.Errorf("map of %d in %d bytes: %w", n, len(rest), ErrCorrupt)
	}
	out := make(map[string]Value, n)
	for range n {
		kl, r, err := readUvarint(rest)
		if err != nil {
			return nil, nil, err
		}
		k, r, err := readFixed(r, int(min(kl, uint64(len(r)+1))))
		if err != nil {
			return nil, nil, err
		}
		var v Value
		if v, rest, err = ReadValue(r); err != nil {
			return nil, nil, err
		}
		out[string(k)] = v
	}
	return out, rest, nil
}
