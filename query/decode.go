package query

import (
	"fmt"

	"github.com/chaintap/chaintap/sql"
)

// decoder turns the stages' result records back into rows of the output
// schema: the key columns from the key, the others from the JSON value.
type decoder struct {
	schema   *sql.Schema
	keyCols  []sql.Column
	format   string
	windowed bool
	values   *sql.RowDecoder
}

func newDecoder(p *sql.QueryPlan) *decoder {
	format := sql.FormatJSON
	if len(p.Output.KeyColumns()) == 0 {
		format = sql.FormatNone
	}
	return &decoder{schema: p.Output, keyCols: p.Output.KeyColumns(), format: format,
		windowed: p.Aggregate != nil && p.Aggregate.Window != nil, values: sql.NewRowDecoder(p.Output)}
}

// change decodes one result record; a nil value is a tombstone.
func (d *decoder) change(key, value []byte) (Change, error) {
	if d.windowed && key != nil {
		k, _, err := sql.SplitTimeWindowedKey(key)
		if err != nil {
			return Change{}, err
		}
		key = k
	}
	keys, err := sql.DecodeKey(d.format, d.keyCols, key)
	if err != nil {
		return Change{}, fmt.Errorf("decoding a result key: %w", err)
	}
	row, err := d.values.Decode(value)
	if err != nil {
		return Change{}, fmt.Errorf("decoding a result value: %w", err)
	}
	c := Change{Row: row}
	if row == nil {
		c.Row, c.Tombstone = make(sql.Row, len(d.schema.Columns)), true
	}
	k := 0
	for i, col := range d.schema.Columns {
		if col.Key && k < len(keys) {
			c.Row[i] = keys[k]
			k++
		}
	}
	return c, nil
}
