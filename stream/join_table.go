package stream

import (
	"encoding/binary"
	"fmt"

	"github.com/chaintap/chaintap/sql"
)

// A table–table join on the primary key keeps both tables' current rows
// and, for every change of either (an upsert, a delete, a retraction),
// works out the key's joined row anew: the row of both (INNER), or of the
// left with NULLs for a missing right (LEFT). It goes through the stage
// under the derived identity of its key, so the output table gets the
// corrected row or a tombstone, and always equals the join of the two
// tables' current contents, whatever order their changes came in.

// processTableJoin handles a change of either table.
func (t *task) processTableJoin(r Record, st Store, emit func(Output)) error {
	p := t.spec.plan
	if p.Joins[0].ForeignKey {
		return t.processForeignJoin(r, st, emit)
	}
	side := sideOf(p, r.Topic)
	src := sideScan(p, side).Source
	key, err := sql.DecodeKey(src.KeyFormat, src.KeyColumns(), r.Key)
	if err != nil {
		return t.bad(r, err, emit)
	}
	kid := appendValues(nil, key)
	var rows [2]sql.Row
	var seqs [2]int64
	if !isDelete(r) {
		if rows[side], err = t.sideRow(r, side); err != nil {
			return t.bad(r, err, emit)
		}
		seqs[side] = t.position(r, joinedRow(p, rows[0], rows[1]))
	}
	if rows[1-side], seqs[1-side], err = t.loadSideRow(st, 1-side, kid); err != nil {
		return err
	}
	d := t.tableJoinRow(kid, rows, seqs)
	if err := t.prepareAll([]*derived{d}); err != nil {
		return t.bad(r, err, emit)
	}
	if err := t.saveSideRow(st, side, kid, rows[side], seqs[side]); err != nil {
		return err
	}
	return t.applyAll([]*derived{d}, st, emit)
}

// tableJoinRow is the key's joined row given both sides' current rows,
// with the left's position (the right's when there is no left).
func (t *task) tableJoinRow(kid []byte, rows [2]sql.Row, seqs [2]int64) *derived {
	p := t.spec.plan
	d := &derived{id: append([]byte{'K'}, kid...), seq: seqs[0]}
	if rows[0] == nil {
		d.seq = seqs[1]
	}
	switch p.Joins[0].Kind {
	case sql.JoinInner:
		if rows[0] == nil || rows[1] == nil {
			return d
		}
	case sql.JoinLeft:
		if rows[0] == nil {
			return d
		}
	}
	d.row = joinedRow(p, rows[0], rows[1])
	for side, row := range rows {
		if row != nil {
			d.ts = max(d.ts, t.sideTime(side, row))
		}
	}
	return d
}

func (t *task) sideRowKey(side int, kid []byte) []byte {
	return append([]byte{prefixSideRow, byte(side)}, kid...)
}

// loadSideRow reads a table side's current row for a join key; nil when
// the table has none.
func (t *task) loadSideRow(st Store, side int, kid []byte) (sql.Row, int64, error) {
	v, ok, err := st.Get(t.sideRowKey(side, kid))
	if err != nil || !ok {
		return nil, 0, err
	}
	seq, n := binary.Varint(v)
	if n <= 0 {
		return nil, 0, fmt.Errorf("query %s: corrupt table row state", t.spec.id)
	}
	row, _, err := sql.ReadRow(v[n:])
	if err != nil {
		return nil, 0, fmt.Errorf("query %s: table row state: %w", t.spec.id, err)
	}
	return row, seq, nil
}

// saveSideRow writes a table side's row for a join key, or deletes it
// (row nil).
func (t *task) saveSideRow(st Store, side int, kid []byte, row sql.Row, seq int64) error {
	k := t.sideRowKey(side, kid)
	if row == nil {
		return st.Delete(k)
	}
	return st.Set(k, sql.AppendRow(binary.AppendVarint(nil, seq), row))
}
