package sql

import (
	"sort"
	"strings"
)

// SourceKind says whether a source is a STREAM or a TABLE.
type SourceKind uint8

const (
	Stream SourceKind = iota + 1
	Table
)

func (k SourceKind) String() string {
	if k == Table {
		return "TABLE"
	}
	return "STREAM"
}

// Source is a stream or table known to the catalog.
type Source struct {
	Name        string // normalised (upper case unless quoted)
	Kind        SourceKind
	Topic       string
	Partitions  int    // 0 when unknown
	KeyFormat   string // FormatKafka, FormatJSON or FormatNone
	ValueFormat string // FormatJSON
	Schema      *Schema
	// Timestamp is the column holding event time (TIMESTAMP='col'), "" for
	// the record timestamp.
	Timestamp string
	// Window is the kind of windowed key, 0 when the key is not windowed.
	Window WindowKind
	// WindowSize is the window size in ms for tumbling/hopping keys.
	WindowSize int64
	// Materialized is true for tables whose state a query keeps (CREATE
	// TABLE AS, CREATE SOURCE TABLE): only those answer pull queries.
	Materialized bool
}

// KeyColumns returns the source's key columns.
func (s *Source) KeyColumns() []Column { return s.Schema.KeyColumns() }

// Catalog resolves source names. Names are normalised (upper case unless
// quoted). The runtime implements it over its metastore, declaring the
// chain topics' streams itself; MapCatalog is a simple implementation.
type Catalog interface {
	// Source returns the source named name, or nil.
	Source(name string) *Source
	// SourceNames lists every name, for "did you mean" suggestions.
	SourceNames() []string
}

// MapCatalog is an in-memory Catalog. It is not safe for concurrent
// mutation; build it, then share it read-only.
type MapCatalog map[string]*Source

// Source implements Catalog.
func (c MapCatalog) Source(name string) *Source { return c[name] }

// SourceNames implements Catalog.
func (c MapCatalog) SourceNames() []string {
	out := make([]string, 0, len(c))
	for n := range c {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Add registers (or replaces) a source.
func (c MapCatalog) Add(s *Source) { c[s.Name] = s }

// Pseudo-columns every scanned row carries after its schema columns, in
// this order. WINDOWSTART and WINDOWEND are NULL unless the source is
// windowed.
var PseudoColumns = []string{"ROWTIME", "ROWPARTITION", "ROWOFFSET", "WINDOWSTART", "WINDOWEND"}

// Indexes of pseudo-columns relative to the end of the schema columns.
const (
	PseudoRowtime = iota
	PseudoRowPartition
	PseudoRowOffset
	PseudoWindowStart
	PseudoWindowEnd
	numPseudo
)

func pseudoType(i int) *Type {
	if i == PseudoRowPartition {
		return TypeInt
	}
	return TypeBigint
}

func isPseudoColumn(name string) (int, bool) {
	for i, p := range PseudoColumns {
		if p == name {
			return i, true
		}
	}
	return 0, false
}

func isReservedColumn(name string) bool {
	_, ok := isPseudoColumn(strings.ToUpper(name))
	return ok
}
