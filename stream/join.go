package stream

import (
	"github.com/chaintap/chaintap/sql"
)

// join looks the row's join keys up in the tables' current rows (a
// stream–table join joins each record with the table as it is when the
// record is processed, as ksqlDB does). It returns the joined row, or nil
// when an inner join finds nothing.
func (t *task) join(left sql.Row, st Store) (sql.Row, error) {
	p := t.spec.plan
	row := make(sql.Row, p.InputWidth)
	copy(row, left)
	for i, j := range p.Joins {
		k, err := j.LeftKey.Eval(row)
		if err != nil {
			return nil, err
		}
		var right sql.Row
		if k != nil {
			v, ok, err := st.Get(t.tableKey(i, sql.Row{k}))
			if err != nil {
				return nil, err
			}
			if ok {
				if right, _, err = sql.ReadRow(v); err != nil {
					return nil, err
				}
			}
		}
		if right == nil {
			if j.Kind == sql.JoinInner {
				return nil, nil
			}
			continue
		}
		copy(row[j.Right.Offset:], right)
	}
	return row, nil
}

// updateTable keeps a joined table's current rows: an upsert replaces the
// key's row, a tombstone (a delete or a retraction) removes it. Table
// updates emit nothing by themselves.
func (t *task) updateTable(r Record, st Store, emit func(Output)) error {
	for i, j := range t.spec.plan.Joins {
		if j.Right.Source.Topic != r.Topic {
			continue
		}
		src := j.Right.Source
		key, err := sql.DecodeKey(src.KeyFormat, src.KeyColumns(), r.Key)
		if err != nil {
			return t.bad(r, err, emit)
		}
		k := t.tableKey(i, key)
		if r.Value == nil || string(r.Header(HeaderOp)) == OpRetract {
			if err := st.Delete(k); err != nil {
				return err
			}
			continue
		}
		value, err := t.tables[i].Decode(r.Value)
		if err != nil {
			return t.bad(r, err, emit)
		}
		row := j.Right.Assemble(key, value, sql.RecordMeta{Timestamp: r.Timestamp, Partition: r.Partition, Offset: r.Offset})
		if err := st.Set(k, sql.AppendRow(nil, row)); err != nil {
			return err
		}
	}
	return nil
}

func (t *task) tableKey(join int, key sql.Row) []byte {
	return appendValues([]byte{prefixTable, byte(join)}, key)
}
