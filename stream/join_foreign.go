package stream

import (
	"github.com/chaintap/chaintap/sql"
)

// A foreign-key table–table join (FROM a [LEFT] JOIN b ON a.col = b.pk,
// col not a's key) joins each row of the left table with the right
// table's row whose key is its column's value; the result is keyed by the
// left's key. Besides both tables' current rows it keeps an index from
// each foreign key to the left keys holding it, so that a change of a
// right row rewrites every left row that points at it. Compile runs it on
// single-partition inputs only: ksqlDB's subscription topics, which bring
// a left row to the partition of its foreign key, are not there yet.

// processForeignJoin handles a change of either table of a foreign-key
// join.
func (t *task) processForeignJoin(r Record, st Store, emit func(Output)) error {
	p := t.spec.plan
	side := sideOf(p, r.Topic)
	src := sideScan(p, side).Source
	key, err := sql.DecodeKey(src.KeyFormat, src.KeyColumns(), r.Key)
	if err != nil {
		return t.bad(r, err, emit)
	}
	kid := appendValues(nil, key)
	var row sql.Row
	seq := int64(0)
	if !isDelete(r) {
		if row, err = t.sideRow(r, side); err != nil {
			return t.bad(r, err, emit)
		}
		seq = t.position(r, joinedRow(p, row, nil))
	}
	if side == 0 {
		return t.foreignLeft(r, st, kid, row, seq, emit)
	}
	return t.foreignRight(r, st, kid, row, seq, emit)
}

// foreignLeft handles a change of a left row: its joined row is worked
// out anew against the right row its foreign key names, and the index
// follows the foreign key.
func (t *task) foreignLeft(r Record, st Store, kid []byte, row sql.Row, seq int64, emit func(Output)) error {
	old, _, err := t.loadSideRow(st, 0, kid)
	if err != nil {
		return err
	}
	oldFK, err := t.foreignKey(old)
	if err != nil {
		return err // it evaluated when the row came
	}
	newFK, err := t.foreignKey(row)
	if err != nil {
		return t.bad(r, err, emit)
	}
	var right sql.Row
	var rightSeq int64
	if newFK != nil {
		if right, rightSeq, err = t.loadSideRow(st, 1, newFK); err != nil {
			return err
		}
	}
	d := t.tableJoinRow(kid, [2]sql.Row{row, right}, [2]int64{seq, rightSeq})
	if err := t.prepareAll([]*derived{d}); err != nil {
		return t.bad(r, err, emit)
	}
	if err := t.saveSideRow(st, 0, kid, row, seq); err != nil {
		return err
	}
	if oldFK != nil {
		if err := st.Delete(foreignIndexKey(oldFK, kid)); err != nil {
			return err
		}
	}
	if newFK != nil {
		if err := st.Set(foreignIndexKey(newFK, kid), present()); err != nil {
			return err
		}
	}
	return t.applyAll([]*derived{d}, st, emit)
}

// foreignRight handles a change of a right row: every left row pointing
// at its key gets its joined row anew.
func (t *task) foreignRight(r Record, st Store, kid []byte, row sql.Row, seq int64, emit func(Output)) error {
	prefix := foreignIndexKey(kid, nil)
	var lefts [][]byte
	err := st.Range(prefix, prefixEnd(prefix), func(k, _ []byte) error {
		lefts = append(lefts, append([]byte(nil), k[len(prefix):]...))
		return nil
	})
	if err != nil {
		return err
	}
	changes := make([]*derived, 0, len(lefts))
	for _, lkid := range lefts {
		left, leftSeq, err := t.loadSideRow(st, 0, lkid)
		if err != nil {
			return err
		}
		changes = append(changes, t.tableJoinRow(lkid, [2]sql.Row{left, row}, [2]int64{leftSeq, seq}))
	}
	if err := t.prepareAll(changes); err != nil {
		return t.bad(r, err, emit)
	}
	if err := t.saveSideRow(st, 1, kid, row, seq); err != nil {
		return err
	}
	return t.applyAll(changes, st, emit)
}

// foreignKey is a left row's foreign key, encoded as a right key; nil for
// no row or a NULL foreign key.
func (t *task) foreignKey(left sql.Row) ([]byte, error) {
	if left == nil {
		return nil, nil
	}
	v, err := t.spec.plan.Joins[0].LeftKey.Eval(joinedRow(t.spec.plan, left, nil))
	if err != nil || v == nil {
		return nil, err
	}
	return appendValues(nil, sql.Row{v}), nil
}

func foreignIndexKey(fk, kid []byte) []byte {
	return append(append([]byte{prefixForeign}, fk...), kid...)
}
