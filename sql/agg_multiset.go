package sql

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// multiset counts values by their canonical binary encoding. MIN, MAX,
// COUNT_DISTINCT and COLLECT_SET keep one, so that retracting any value
// leaves exactly the state of the remaining inputs.
type multiset struct {
	entries map[string]*msEntry
	scratch []byte
}

type msEntry struct {
	v    Value
	n    int64
	seqs []int64 // COLLECT_SET only: sorted positions of the occurrences
}

func newMultiset() multiset { return multiset{entries: map[string]*msEntry{}} }

func (m *multiset) key(v Value) []byte {
	m.scratch = AppendValue(m.scratch[:0], v)
	return m.scratch
}

// add counts v; it returns the entry.
func (m *multiset) add(v Value) *msEntry {
	k := m.key(v)
	e, ok := m.entries[string(k)]
	if !ok {
		e = &msEntry{v: v}
		m.entries[string(k)] = e
	}
	e.n++
	return e
}

// remove uncounts v; gone reports that its last occurrence went.
func (m *multiset) remove(v Value) (e *msEntry, gone bool, err error) {
	k := m.key(v)
	e, ok := m.entries[string(k)]
	if !ok {
		return nil, false, ErrRetractUnknown
	}
	e.n--
	if e.n == 0 {
		delete(m.entries, string(k))
		return e, true, nil
	}
	return e, false, nil
}

// sortedKeys returns the keys in byte order, for canonical encodings.
func (m *multiset) sortedKeys() []string {
	keys := make([]string, 0, len(m.entries))
	for k := range m.entries {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// marshal writes count, then per entry (key order) value, n and seqs.
func (m *multiset) marshal(withSeqs bool) []byte {
	keys := m.sortedKeys()
	out := binary.AppendUvarint(nil, uint64(len(keys)))
	for _, k := range keys {
		e := m.entries[k]
		out = append(out, k...)
		out = binary.AppendVarint(out, e.n)
		if withSeqs {
			for _, s := range e.seqs {
				out = binary.AppendVarint(out, s)
			}
		}
	}
	return out
}

func (m *multiset) unmarshal(b []byte, withSeqs bool) error {
	n, b, err := readUvarint(b)
	if err != nil {
		return err
	}
	if n > uint64(len(b)) {
		return ErrCorrupt
	}
	m.entries = make(map[string]*msEntry, n)
	for range n {
		v, rest, err := ReadValue(b)
		if err != nil {
			return err
		}
		k := b[:len(b)-len(rest)]
		cnt, w := binary.Varint(rest)
		if w <= 0 || cnt <= 0 || cnt > int64(len(rest)) && withSeqs {
			return ErrCorrupt
		}
		rest = rest[w:]
		e := &msEntry{v: v, n: cnt}
		if withSeqs {
			e.seqs = make([]int64, cnt)
			for i := range e.seqs {
				s, w := binary.Varint(rest)
				if w <= 0 {
					return ErrCorrupt
				}
				e.seqs[i], rest = s, rest[w:]
			}
		}
		m.entries[string(k)] = e
		b = rest
	}
	if len(b) != 0 {
		return ErrCorrupt
	}
	return nil
}

// minMaxAcc is MIN (dir -1) or MAX (dir 1) over non-NULL values, caching
// the extreme and rescanning only when its last occurrence is retracted.
type minMaxAcc struct {
	name  string
	dir   int
	ms    multiset
	best  Value
	valid bool // best is current (nil best with valid means empty)
}

func newMinMax(dir int) func(*AggregateCall) Accumulator {
	return func(c *AggregateCall) Accumulator {
		return &minMaxAcc{name: c.Func.Name, dir: dir, ms: newMultiset(), valid: true}
	}
}

func (a *minMaxAcc) better(x, y Value) bool {
	c, _ := Compare(x, y)
	return c*a.dir > 0
}

func (a *minMaxAcc) Add(v Value, _ int64) error {
	if v == nil {
		return nil
	}
	a.ms.add(v)
	if a.valid && (a.best == nil || a.better(v, a.best)) {
		a.best = v
	}
	return nil
}

func (a *minMaxAcc) Retract(v Value, _ int64) error {
	if v == nil {
		return nil
	}
	_, gone, err := a.ms.remove(v)
	if err != nil {
		return fmt.Errorf("%s: %w", a.name, err)
	}
	if gone && a.valid && a.best != nil && Equal(v, a.best) {
		a.valid = false
	}
	return nil
}

func (a *minMaxAcc) Result() Value {
	if !a.valid {
		a.best = nil
		for _, e := range a.ms.entries {
			if a.best == nil || a.better(e.v, a.best) {
				a.best = e.v
			}
		}
		a.valid = true
	}
	return a.best
}

func (a *minMaxAcc) MarshalBinary() ([]byte, error) { return a.ms.marshal(false), nil }

func (a *minMaxAcc) UnmarshalBinary(b []byte) error {
	if err := a.ms.unmarshal(b, false); err != nil {
		return fmt.Errorf("%s state: %w", a.name, err)
	}
	a.valid = false
	return nil
}

// countDistinctAcc is COUNT_DISTINCT over non-NULL values.
type countDistinctAcc struct{ ms multiset }

func newCountDistinct(*AggregateCall) Accumulator { return &countDistinctAcc{ms: newMultiset()} }

func (a *countDistinctAcc) Add(v Value, _ int64) error {
	if v != nil {
		a.ms.add(v)
	}
	return nil
}

func (a *countDistinctAcc) Retract(v Value, _ int64) error {
	if v == nil {
		return nil
	}
	if _, _, err := a.ms.remove(v); err != nil {
		return fmt.Errorf("COUNT_DISTINCT: %w", err)
	}
	return nil
}

func (a *countDistinctAcc) Result() Value                  { return int64(len(a.ms.entries)) }
func (a *countDistinctAcc) MarshalBinary() ([]byte, error) { return a.ms.marshal(false), nil }
func (a *countDistinctAcc) UnmarshalBinary(b []byte) error {
	if err := a.ms.unmarshal(b, false); err != nil {
		return fmt.Errorf("COUNT_DISTINCT state: %w", err)
	}
	return nil
}

// collectSetAcc is COLLECT_SET: distinct non-NULL values in the order of
// their first remaining occurrence (by position), which is ksqlDB's
// insertion order when positions increase.
type collectSetAcc struct{ ms multiset }

func newCollectSet(*AggregateCall) Accumulator { return &collectSetAcc{ms: newMultiset()} }

func (a *collectSetAcc) Add(v Value, seq int64) error {
	if v == nil {
		return nil
	}
	e := a.ms.add(v)
	i := sort.Search(len(e.seqs), func(i int) bool { return e.seqs[i] > seq })
	e.seqs = append(e.seqs, 0)
	copy(e.seqs[i+1:], e.seqs[i:])
	e.seqs[i] = seq
	return nil
}

func (a *collectSetAcc) Retract(v Value, seq int64) error {
	if v == nil {
		return nil
	}
	e, ok := a.ms.entries[string(a.ms.key(v))]
	if !ok {
		return fmt.Errorf("COLLECT_SET: %w", ErrRetractUnknown)
	}
	i := sort.Search(len(e.seqs), func(i int) bool { return e.seqs[i] >= seq })
	if i == len(e.seqs) || e.seqs[i] != seq {
		return fmt.Errorf("COLLECT_SET at position %d: %w", seq, ErrRetractUnknown)
	}
	e.seqs = append(e.seqs[:i], e.seqs[i+1:]...)
	_, _, err := a.ms.remove(v)
	return err
}

func (a *collectSetAcc) Result() Value {
	type item struct {
		first int64
		key   string
	}
	items := make([]item, 0, len(a.ms.entries))
	for k, e := range a.ms.entries {
		items = append(items, item{e.seqs[0], k})
	}
	sort.Slice(items, func(i, j int) bool {
		if items[i].first != items[j].first {
			return items[i].first < items[j].first
		}
		return items[i].key < items[j].key
	})
	out := make([]Value, len(items))
	for i, it := range items {
		out[i] = a.ms.entries[it.key].v
	}
	return out
}

func (a *collectSetAcc) MarshalBinary() ([]byte, error) { return a.ms.marshal(true), nil }
func (a *collectSetAcc) UnmarshalBinary(b []byte) error {
	if err := a.ms.unmarshal(b, true); err != nil {
		return fmt.Errorf("COLLECT_SET state: %w", err)
	}
	return nil
}
