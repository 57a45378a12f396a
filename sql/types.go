package sql

import (
	"strconv"
	"strings"
)

// Kind is a SQL base type.
type Kind uint8

const (
	KindNull Kind = iota // the type of the NULL literal only; assignable to any type
	KindBoolean
	KindInt     // 32-bit signed, Go int32
	KindBigint  // 64-bit signed, Go int64
	KindDouble  // Go float64
	KindDecimal // exact, Go Decimal
	KindString  // VARCHAR/STRING, Go string
	KindBytes   // Go []byte
	KindTimestamp
	KindDate
	KindTime
	KindArray
	KindMap
	KindStruct
)

// MaxDecimalPrecision is chaintap's DECIMAL precision limit. ksqlDB stops at
// 38; chaintap allows far more so that uint256 chain values (78 digits) and
// their sums stay exact.
const MaxDecimalPrecision = 1000

// Type is a SQL type. Types are immutable once built; share them freely.
type Type struct {
	Kind      Kind
	Precision int     // DECIMAL
	Scale     int     // DECIMAL
	Elem      *Type   // ARRAY element, MAP value
	Key       *Type   // MAP key (always STRING in chaintap)
	Fields    []Field // STRUCT, in declared order
}

// Field is one STRUCT field.
type Field struct {
	Name string
	Type *Type
}

// Predeclared primitive types.
var (
	TypeNull      = &Type{Kind: KindNull}
	TypeBoolean   = &Type{Kind: KindBoolean}
	TypeInt       = &Type{Kind: KindInt}
	TypeBigint    = &Type{Kind: KindBigint}
	TypeDouble    = &Type{Kind: KindDouble}
	TypeString    = &Type{Kind: KindString}
	TypeBytes     = &Type{Kind: KindBytes}
	TypeTimestamp = &Type{Kind: KindTimestamp}
	TypeDate      = &Type{Kind: KindDate}
	TypeTime      = &Type{Kind: KindTime}
)

// DecimalType returns DECIMAL(p, s).
func DecimalType(p, s int) *Type { return &Type{Kind: KindDecimal, Precision: p, Scale: s} }

// ArrayType returns ARRAY<elem>.
func ArrayType(elem *Type) *Type { return &Type{Kind: KindArray, Elem: elem} }

// MapType returns MAP<STRING, elem>.
func MapType(elem *Type) *Type { return &Type{Kind: KindMap, Key: TypeString, Elem: elem} }

// StructType returns STRUCT<fields>.
func StructType(fields ...Field) *Type { return &Type{Kind: KindStruct, Fields: fields} }

// IsNumeric reports INT, BIGINT, DECIMAL or DOUBLE.
func (t *Type) IsNumeric() bool {
	switch t.Kind {
	case KindInt, KindBigint, KindDouble, KindDecimal:
		return true
	}
	return false
}

// FieldIndex returns the index of the STRUCT field named name
// (case-sensitive, names are already normalised), or -1.
func (t *Type) FieldIndex(name string) int {
	for i, f := range t.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// Equal reports structural equality.
func (t *Type) Equal(u *Type) bool {
	if t == u {
		return true
	}
	if t == nil || u == nil || t.Kind != u.Kind {
		return false
	}
	switch t.Kind {
	case KindDecimal:
		return t.Precision == u.Precision && t.Scale == u.Scale
	case KindArray:
		return t.Elem.Equal(u.Elem)
	case KindMap:
		return t.Key.Equal(u.Key) && t.Elem.Equal(u.Elem)
	case KindStruct:
		if len(t.Fields) != len(u.Fields) {
			return false
		}
		for i := range t.Fields {
			if t.Fields[i].Name != u.Fields[i].Name || !t.Fields[i].Type.Equal(u.Fields[i].Type) {
				return false
			}
		}
	}
	return true
}

var kindNames = [...]string{
	KindNull: "NULL", KindBoolean: "BOOLEAN", KindInt: "INTEGER", KindBigint: "BIGINT",
	KindDouble: "DOUBLE", KindDecimal: "DECIMAL", KindString: "STRING", KindBytes: "BYTES",
	KindTimestamp: "TIMESTAMP", KindDate: "DATE", KindTime: "TIME", KindArray: "ARRAY",
	KindMap: "MAP", KindStruct: "STRUCT",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// String renders the type as SQL that parses back to it, in ksqlDB's
// spelling (INTEGER, STRING, DECIMAL(p, s), STRUCT<`F` T>).
func (t *Type) String() string {
	var b strings.Builder
	t.write(&b)
	return b.String()
}

func (t *Type) write(b *strings.Builder) {
	switch t.Kind {
	case KindDecimal:
		b.WriteString("DECIMAL(")
		b.WriteString(strconv.Itoa(t.Precision))
		b.WriteString(", ")
		b.WriteString(strconv.Itoa(t.Scale))
		b.WriteString(")")
	case KindArray:
		b.WriteString("ARRAY<")
		t.Elem.write(b)
		b.WriteString(">")
	case KindMap:
		b.WriteString("MAP<")
		t.Key.write(b)
		b.WriteString(", ")
		t.Elem.write(b)
		b.WriteString(">")
	case KindStruct:
		b.WriteString("STRUCT<")
		for i, f := range t.Fields {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(quoteIdent(f.Name))
			b.WriteString(" ")
			f.Type.write(b)
		}
		b.WriteString(">")
	default:
		b.WriteString(t.Kind.String())
	}
}
