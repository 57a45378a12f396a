package stream

import (
	"bytes"
	"encoding"
	"encoding/binary"
	"fmt"

	"github.com/chaintap/chaintap/sql"
)

// groupState is one group's (and window's) aggregate state: how many
// inputs it holds and an accumulator per aggregate call.
type groupState struct {
	count int64
	accs  []sql.Accumulator
}

// aggregate retracts the old contribution from its groups, adds the new
// one to its groups, and writes each touched group's row: an upsert, or a
// tombstone when the group holds no input any more or fails HAVING.
func (t *task) aggregate(old, cur *effect, st Store, emit func(Output)) error {
	type touchedGroup struct {
		pr    *prepared
		start int64
		state *groupState
	}
	var touched []*touchedGroup
	byKey := map[string]*touchedGroup{} // an update may stay in its group
	visit := func(pr *prepared, seq int64, sign int) error {
		for _, w := range windowsOf(pr) {
			key := t.groupKey(pr.groupID, w, pr.windows != nil)
			tg := byKey[string(key)]
			if tg == nil {
				g, err := t.loadGroup(st, key)
				if err != nil {
					return err
				}
				tg = &touchedGroup{pr, w, g}
				byKey[string(key)] = tg
				touched = append(touched, tg)
			}
			if err := t.fold(tg.state, pr, seq, sign); err != nil {
				return err
			}
			if err := t.saveGroup(st, key, tg.state); err != nil {
				return err
			}
		}
		return nil
	}
	if old != nil {
		if err := visit(old.out, old.seq, -1); err != nil {
			return err
		}
	}
	if cur != nil {
		if err := visit(cur.out, cur.seq, +1); err != nil {
			return err
		}
	}
	for _, g := range touched {
		if err := t.emitGroup(g.pr, g.start, g.state, emit); err != nil {
			return err
		}
	}
	return nil
}

// windowsOf is the window starts of a prepared row, or one dummy start
// for an unwindowed aggregate.
func windowsOf(pr *prepared) []int64 {
	if pr.windows == nil {
		return []int64{0}
	}
	return pr.windows
}

// fold adds (sign +1) or takes back (-1) pr's contribution at position
// seq to g, then drops what g keeps for inputs that can no longer be
// retracted (see finality).
func (t *task) fold(g *groupState, pr *prepared, seq int64, sign int) error {
	if err := g.apply(pr.args, seq, sign); err != nil {
		return fmt.Errorf("query %s group %v: %w", t.spec.id, pr.group, err)
	}
	if final, ok := t.spec.finality.below(seq); ok && sign > 0 {
		g.compact(final)
	}
	return nil
}

func (g *groupState) apply(args []sql.Value, seq int64, sign int) error {
	g.count += int64(sign)
	for i, acc := range g.accs {
		var err error
		if sign > 0 {
			err = acc.Add(args[i], seq)
		} else {
			err = acc.Retract(args[i], seq)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// emitGroup writes a group's current row to the sink.
func (t *task) emitGroup(pr *prepared, start int64, g *groupState, emit func(Output)) error {
	p := t.spec.plan
	a := p.Aggregate
	windowed := pr.windows != nil
	row := make(sql.Row, 0, a.Width())
	row = append(row, pr.group...)
	for _, acc := range g.accs {
		row = append(row, acc.Result())
	}
	if windowed {
		row = append(row, start, start+a.Window.Size)
	} else {
		row = append(row, nil, nil)
	}
	alive := g.count > 0
	if alive && p.Having != nil {
		ok, err := p.Having.Eval(row)
		if err != nil {
			return fmt.Errorf("query %s: HAVING of group %v: %w", t.spec.id, pr.group, err)
		}
		alive = ok == true
	}
	out, err := evalAll(p.Project, row)
	if err != nil {
		return fmt.Errorf("query %s: projecting group %v: %w", t.spec.id, pr.group, err)
	}
	key, err := t.outputKey(out, start, windowed)
	if err != nil {
		return fmt.Errorf("query %s: key of group %v: %w", t.spec.id, pr.group, err)
	}
	o := Output{Topic: p.Sink.Topic, Key: key, Timestamp: pr.ts}
	if alive {
		o.Value = sql.AppendJSON(nil, p.Output, out)
	}
	emit(o)
	return nil
}

// groupKey is a group's store key: its values, then the window start.
func (t *task) groupKey(groupID []byte, start int64, windowed bool) []byte {
	n := 1 + len(groupID)
	if windowed {
		n += 8
	}
	k := append(append(make([]byte, 0, n), prefixGroup), groupID...)
	if windowed {
		k = append(k, be64(start)...)
	}
	return k
}

// loadGroup reads a group's state; an absent group is empty.
func (t *task) loadGroup(st Store, key []byte) (*groupState, error) {
	calls := t.spec.plan.Aggregate.Aggregates
	g := &groupState{accs: make([]sql.Accumulator, len(calls))}
	for i, c := range calls {
		g.accs[i] = c.NewAccumulator()
	}
	v, ok, err := st.Get(key)
	if err != nil || !ok {
		return g, err
	}
	n, m := binary.Uvarint(v)
	if m <= 0 {
		return nil, fmt.Errorf("query %s: corrupt group state", t.spec.id)
	}
	g.count, v = int64(n), v[m:]
	for i := range g.accs {
		size, m := binary.Uvarint(v)
		if m <= 0 || uint64(len(v)-m) < size {
			return nil, fmt.Errorf("query %s: corrupt group state", t.spec.id)
		}
		if err := g.accs[i].UnmarshalBinary(v[m : m+int(size)]); err != nil {
			return nil, fmt.Errorf("query %s: group state of %s: %w", t.spec.id, calls[i].Text, err)
		}
		v = v[m+int(size):]
	}
	return g, nil
}

// saveGroup writes a group's state, or deletes it when it holds nothing.
func (t *task) saveGroup(st Store, key []byte, g *groupState) error {
	if g.count <= 0 {
		return st.Delete(key)
	}
	// Built in the task's scratch buffers, then copied once at its size:
	// the store may keep what it is given.
	v := binary.AppendUvarint(t.buf[:0], uint64(g.count))
	for _, acc := range g.accs {
		var b []byte
		var err error
		if ba, ok := acc.(encoding.BinaryAppender); ok {
			b, err = ba.AppendBinary(t.accBuf[:0])
			t.accBuf = b
		} else {
			b, err = acc.MarshalBinary()
		}
		if err != nil {
			return err
		}
		v = binary.AppendUvarint(v, uint64(len(b)))
		v = append(v, b...)
	}
	t.buf = v
	return st.Set(key, bytes.Clone(v))
}
