package pgsink

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/chaintap/chaintap/sql"
)

// pgValue converts a decoded SQL value for pgx's binary COPY: exact
// numerics as pgtype.Numeric (coefficient and scale, never a float),
// times as time.Time, ARRAY/MAP/STRUCT as their JSON.
func pgValue(t *sql.Type, v sql.Value) (any, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case sql.Decimal:
		return pgtype.Numeric{Int: x.Coef(), Exp: int32(-x.Scale()), Valid: true}, nil
	case sql.Timestamp:
		return time.UnixMilli(int64(x)).UTC(), nil
	case sql.Date:
		return time.Unix(int64(x)*86400, 0).UTC(), nil
	case sql.Time:
		return pgtype.Time{Microseconds: int64(x) * 1000, Valid: true}, nil
	}
	switch t.Kind {
	case sql.KindArray, sql.KindMap, sql.KindStruct:
		b, err := sql.EncodeKey(sql.FormatJSON, []sql.Column{{Name: "v", Type: t}}, sql.Row{v})
		if err != nil {
			return nil, fmt.Errorf("encoding %s as JSON: %w", t, err)
		}
		return json.RawMessage(b), nil
	}
	return v, nil // bool, int32, int64, float64, string, []byte
}
