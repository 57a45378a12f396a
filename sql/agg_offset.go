package sql

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// byOffsetAcc is LATEST_BY_OFFSET (latest) or EARLIEST_BY_OFFSET: it keeps
// every input by position so that retracting the latest (or earliest)
// steps back to the one before it. NULLs are skipped when ignoreNulls (the
// default, as ksqlDB). State grows with the input; Compact drops what can
// no longer matter once positions below a bound are final.
type byOffsetAcc struct {
	latest      bool
	ignoreNulls bool
	entries     []posValue // sorted by seq, then by value encoding
}

type posValue struct {
	seq int64
	v   Value
}

func newByOffset(latest bool) func(*AggregateCall) Accumulator {
	return func(c *AggregateCall) Accumulator {
		return &byOffsetAcc{latest: latest, ignoreNulls: c.ignoreNulls}
	}
}

func (a *byOffsetAcc) name() string {
	if a.latest {
		return "LATEST_BY_OFFSET"
	}
	return "EARLIEST_BY_OFFSET"
}

func (a *byOffsetAcc) Add(v Value, seq int64) error {
	if v == nil && a.ignoreNulls {
		return nil
	}
	n := len(a.entries)
	if n == 0 || a.entries[n-1].seq < seq {
		a.entries = append(a.entries, posValue{seq, v})
		return nil
	}
	// Equal positions (not expected, but possible) order by encoding, so
	// the state does not depend on arrival order.
	enc := string(AppendValue(nil, v))
	i := sort.Search(n, func(i int) bool {
		e := a.entries[i]
		return e.seq > seq || e.seq == seq && string(AppendValue(nil, e.v)) > enc
	})
	a.entries = append(a.entries, posValue{})
	copy(a.entries[i+1:], a.entries[i:])
	a.entries[i] = posValue{seq, v}
	return nil
}

func (a *byOffsetAcc) Retract(v Value, seq int64) error {
	if v == nil && a.ignoreNulls {
		return nil
	}
	i := sort.Search(len(a.entries), func(i int) bool { return a.entries[i].seq >= seq })
	for ; i < len(a.entries) && a.entries[i].seq == seq; i++ {
		if equalOrBothNull(a.entries[i].v, v) {
			a.entries = append(a.entries[:i], a.entries[i+1:]...)
			return nil
		}
	}
	return fmt.Errorf("%s at position %d: %w", a.name(), seq, ErrRetractUnknown)
}

func (a *byOffsetAcc) Result() Value {
	if len(a.entries) == 0 {
		return nil
	}
	if a.latest {
		return a.entries[len(a.entries)-1].v
	}
	return a.entries[0].v
}

// Compact drops entries below final that can never be the result again:
// for LATEST all but the newest of them, for EARLIEST all but the oldest.
func (a *byOffsetAcc) Compact(final int64) {
	k := sort.Search(len(a.entries), func(i int) bool { return a.entries[i].seq >= final })
	if k <= 1 {
		return
	}
	if a.latest {
		a.entries = append(a.entries[:0], a.entries[k-1:]...)
		return
	}
	a.entries = append(a.entries[:1], a.entries[k:]...)
}

func (a *byOffsetAcc) MarshalBinary() ([]byte, error) { return a.AppendBinary(nil) }

func (a *byOffsetAcc) AppendBinary(dst []byte) ([]byte, error) {
	out := binary.AppendUvarint(dst, uint64(len(a.entries)))
	for _, e := range a.entries {
		out = binary.AppendVarint(out, e.seq)
		out = AppendValue(out, e.v)
	}
	return out, nil
}

func (a *byOffsetAcc) UnmarshalBinary(b []byte) error {
	n, b, err := readUvarint(b)
	if err != nil || n > uint64(len(b)) {
		return fmt.Errorf("%s state: %w", a.name(), ErrCorrupt)
	}
	a.entries = make([]posValue, n)
	for i := range a.entries {
		seq, w := binary.Varint(b)
		if w <= 0 {
			return fmt.Errorf("%s state: %w", a.name(), ErrCorrupt)
		}
		v, rest, err := ReadValue(b[w:])
		if err != nil {
			return fmt.Errorf("%s state: %w", a.name(), err)
		}
		a.entries[i], b = posValue{seq, v}, rest
	}
	if len(b) != 0 {
		return fmt.Errorf("%s state: %w", a.name(), ErrCorrupt)
	}
	return nil
}
