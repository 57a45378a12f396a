package pgsink

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/chaintap/chaintap/sql"
)

// binaryCopy writes COPY's binary format straight from decoded SQL
// values, for a table whose columns have exactly the types PGType maps
// our SQL types to (the table the sink creates). pgx's generic encoder
// goes through reflection-free but allocation-heavy paths, and through
// big.Int divisions for numeric; this showed as a sixth of the sink's
// CPU. Any other table uses pgx's CopyFrom.
type binaryCopy struct {
	sql string // COPY … FROM STDIN (FORMAT binary)
}

// newBinaryCopy returns nil when a column's type in the table differs
// from PGType's.
func newBinaryCopy(ctx context.Context, conn *pgx.Conn, t Table, cols []sql.Column) (*binaryCopy, error) {
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quote(ColumnName(c))
		var typ string
		err := conn.QueryRow(ctx, `SELECT format_type(atttypid, atttypmod) FROM pg_attribute
			WHERE attrelid = $1::regclass AND attname = $2 AND NOT attisdropped`, t.quoted(), ColumnName(c)).Scan(&typ)
		if err == pgx.ErrNoRows {
			return nil, fmt.Errorf("table %s has no column %s", t, ColumnName(c))
		}
		if err != nil {
			return nil, fmt.Errorf("table %s: column %s: %w", t, ColumnName(c), err)
		}
		if !binaryKind(c.Type) || typ != formatType(c.Type) {
			return nil, nil
		}
	}
	return &binaryCopy{sql: fmt.Sprintf("COPY %s (%s) FROM STDIN (FORMAT binary)", t.quoted(), strings.Join(names, ", "))}, nil
}

// formatType is PGType as format_type() spells it.
func formatType(t *sql.Type) string {
	if t.Kind == sql.KindTimestamp {
		return "timestamp with time zone"
	}
	return PGType(t)
}

func binaryKind(t *sql.Type) bool {
	switch t.Kind {
	case sql.KindBoolean, sql.KindInt, sql.KindBigint, sql.KindDouble, sql.KindDecimal, sql.KindString, sql.KindBytes,
		sql.KindTimestamp, sql.KindDate:
		return true
	}
	return false
}

// copy COPYs the batch's encoded tuples.
func (bc *binaryCopy) copy(ctx context.Context, tx pgx.Tx, t *tuples) (int64, error) {
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, t.reader(), bc.sql)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// appendField appends one field: its length, then its binary value.
func appendField(b []byte, t *sql.Type, v any) ([]byte, error) {
	if v == nil {
		return binary.BigEndian.AppendUint32(b, math.MaxUint32), nil // -1: NULL
	}
	start := len(b)
	b = append(b, 0, 0, 0, 0)
	switch x := v.(type) {
	case bool:
		if x {
			b = append(b, 1)
		} else {
			b = append(b, 0)
		}
	case int32:
		b = binary.BigEndian.AppendUint32(b, uint32(x))
	case int64:
		b = binary.BigEndian.AppendUint64(b, uint64(x))
	case float64:
		b = binary.BigEndian.AppendUint64(b, math.Float64bits(x))
	case string:
		b = append(b, x...)
	case []byte:
		b = append(b, x...)
	case sql.Decimal:
		b = appendNumeric(b, x)
	case sql.Timestamp: // microseconds since 2000-01-01
		b = binary.BigEndian.AppendUint64(b, uint64((int64(x)-946684800000)*1000))
	case sql.Date: // days since 2000-01-01
		b = binary.BigEndian.AppendUint32(b, uint32(int32(x)-10957))
	default:
		return nil, fmt.Errorf("value %T for %s", v, t)
	}
	binary.BigEndian.PutUint32(b[start:], uint32(len(b)-start-4))
	return b, nil
}

// appendNumeric writes numeric's binary form (ndigits, weight, sign,
// dscale, base-10000 digits) from the decimal's plain text: grouping
// decimal digits is cheaper than big.Int divisions.
func appendNumeric(b []byte, d sql.Decimal) []byte {
	var text [80]byte
	return appendNumericText(b, d.AppendText(text[:0]))
}

// appendNumericText is appendNumeric from a decimal's plain text: an
// optional minus, digits, and when the scale is above 0 a point and
// exactly scale digits (the scale becomes numeric's dscale).
func appendNumericText(b []byte, s []byte) []byte {
	sign := uint16(0)
	if s[0] == '-' {
		sign, s = 0x4000, s[1:]
	}
	intPart, frac := s, []byte(nil)
	if i := bytes.IndexByte(s, '.'); i >= 0 {
		intPart, frac = s[:i], s[i+1:]
	}
	// Integer groups from the right, fraction groups from the left.
	var room [40]uint16 // 160 digits before the heap
	groups := room[:0]
	lead := len(intPart) % 4
	if lead == 0 {
		lead = 4
	}
	for i := 0; i < len(intPart); {
		n := 4
		if i == 0 {
			n = lead
		}
		groups = append(groups, digitsValue(intPart[i:i+n]))
		i += n
	}
	weight := len(groups) - 1
	for i := 0; i < len(frac); i += 4 {
		g := frac[i:min(i+4, len(frac))]
		v := digitsValue(g)
		for range 4 - len(g) {
			v *= 10
		}
		groups = append(groups, v)
	}
	for len(groups) > 0 && groups[0] == 0 { // leading zero groups
		groups, weight = groups[1:], weight-1
	}
	for len(groups) > 0 && groups[len(groups)-1] == 0 { // trailing zero groups
		groups = groups[:len(groups)-1]
	}
	if len(groups) == 0 {
		weight, sign = 0, 0
	}
	b = binary.BigEndian.AppendUint16(b, uint16(len(groups)))
	b = binary.BigEndian.AppendUint16(b, uint16(int16(weight)))
	b = binary.BigEndian.AppendUint16(b, sign)
	b = binary.BigEndian.AppendUint16(b, uint16(len(frac)))
	for _, g := range groups {
		b = binary.BigEndian.AppendUint16(b, g)
	}
	return b
}

func digitsValue(ds []byte) uint16 {
	v := uint16(0)
	for _, c := range ds {
		v = v*10 + uint16(c-'0')
	}
	return v
}
