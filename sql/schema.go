package sql

import (
	"slices"
	"strings"
)

// Column is one column of a schema. Names are normalised (upper case unless
// declared quoted).
type Column struct {
	Name string
	Type *Type
	Key  bool
}

// Schema is an ordered list of columns: key and value columns in their
// declared order. A Row of the schema has one Value per column.
type Schema struct {
	Columns []Column
}

// Index returns the position of the column named name, or -1.
func (s *Schema) Index(name string) int {
	for i, c := range s.Columns {
		if c.Name == name {
			return i
		}
	}
	return -1
}

// KeyColumns returns the key columns in order.
func (s *Schema) KeyColumns() []Column {
	var out []Column
	for _, c := range s.Columns {
		if c.Key {
			out = append(out, c)
		}
	}
	return out
}

// ValueColumns returns the non-key columns in order.
func (s *Schema) ValueColumns() []Column {
	var out []Column
	for _, c := range s.Columns {
		if !c.Key {
			out = append(out, c)
		}
	}
	return out
}

// KeyValues picks the key columns' values out of a row of this schema, in
// order, for EncodeKey.
func (s *Schema) KeyValues(row Row) Row {
	var out Row
	for i, c := range s.Columns {
		if c.Key && i < len(row) {
			out = append(out, row[i])
		}
	}
	return out
}

// Names lists the column names.
// Unkeyed is a copy of s with no column marked key: a decoder of it reads
// every column, the key's included, from a JSON object's fields (a row
// given whole, as INSERT VALUES and reference data give it).
func (s *Schema) Unkeyed() *Schema {
	out := &Schema{Columns: slices.Clone(s.Columns)}
	for i := range out.Columns {
		out.Columns[i].Key = false
	}
	return out
}

func (s *Schema) Names() []string {
	out := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		out[i] = c.Name
	}
	return out
}

func (s *Schema) String() string {
	parts := make([]string, len(s.Columns))
	for i, c := range s.Columns {
		parts[i] = quoteIdent(c.Name) + " " + c.Type.String()
		if c.Key {
			parts[i] += " KEY"
		}
	}
	return "(" + strings.Join(parts, ", ") + ")"
}
