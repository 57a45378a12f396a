package pgsource

import (
	"github.com/chaintap/chaintap/sql"
)

// column is one column of a captured table.
type column struct {
	name   string
	oid    uint32
	typmod int32
	key    bool
}

// relation is a captured table as the records describe it: its topic, its
// columns, and how its primary key is encoded.
type relation struct {
	table     string // schema.name
	topic     string
	cols      []column
	keyIdx    []int        // the key columns, in column order
	keyCols   []sql.Column // their SQL types, for sql.EncodeKey
	keyFormat string       // sql.FormatKafka or sql.FormatJSON
}

// newRelation derives the key's encoding from the columns. A single key
// column of a type Kafka's serializers write (INT, BIGINT, DOUBLE,
// STRING, BYTES) is a KAFKA-format key, as ksqlDB writes it by default;
// any other key (several columns, NUMERIC, …) is a JSON key: one column
// unwrapped, several as an object.
func newRelation(table, topic string, cols []column) (*relation, error) {
	r := &relation{table: table, topic: topic, cols: cols}
	for i, c := range cols {
		if c.key {
			r.keyIdx = append(r.keyIdx, i)
			r.keyCols = append(r.keyCols, sql.Column{Name: c.name, Type: sqlType(c.oid, c.typmod), Key: true})
		}
	}
	if len(r.keyIdx) == 0 {
		return nil, &TableError{Table: table, Msg: "has no primary key (or replica identity index): its records would have no key"}
	}
	r.keyFormat = sql.FormatJSON
	if len(r.keyCols) == 1 {
		switch r.keyCols[0].Type.Kind {
		case sql.KindInt, sql.KindBigint, sql.KindDouble, sql.KindString, sql.KindBytes:
			r.keyFormat = sql.FormatKafka
		}
	}
	return r, nil
}

// PostgreSQL type OIDs (pg_type.dat).
const (
	oidBool        = 16
	oidBytea       = 17
	oidName        = 19
	oidInt8        = 20
	oidInt2        = 21
	oidInt4        = 23
	oidText        = 25
	oidOID         = 26
	oidJSON        = 114
	oidFloat4      = 700
	oidFloat8      = 701
	oidBpchar      = 1042
	oidVarchar     = 1043
	oidNumeric     = 1700
	oidUUID        = 2950
	oidJSONB       = 3802
	numericTypmodB = 4 // VARHDRSZ, added to numeric typmods
)

// sqlType maps a PostgreSQL type to our SQL type, for keys.
func sqlType(oid uint32, typmod int32) *sql.Type {
	switch oid {
	case oidBool:
		return &sql.Type{Kind: sql.KindBoolean}
	case oidInt2, oidInt4:
		return &sql.Type{Kind: sql.KindInt}
	case oidInt8, oidOID:
		return &sql.Type{Kind: sql.KindBigint}
	case oidFloat4, oidFloat8:
		return &sql.Type{Kind: sql.KindDouble}
	case oidBytea:
		return &sql.Type{Kind: sql.KindBytes}
	case oidNumeric:
		p, s := 38, 0
		if typmod >= numericTypmodB {
			p, s = int((typmod-numericTypmodB)>>16)&0xffff, int(typmod-numericTypmodB)&0xffff
		}
		return &sql.Type{Kind: sql.KindDecimal, Precision: p, Scale: s}
	}
	return &sql.Type{Kind: sql.KindString}
}
