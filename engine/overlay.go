package engine

import "slices"

// overlay holds the writes of a task's open transaction: what Store reads
// see first, what goes to the changelog at commit, and what is applied to
// Pebble once the transaction committed (or dropped when it aborted).
type overlay struct {
	m map[string]overlayEntry
	// sorted holds m's keys of entries that write something, in byte
	// order; nil when such a key was added since it was built. It is
	// rebuilt, never changed in place, so a Range walking an old one is
	// not disturbed by writes its callback makes. (A key it holds may have
	// become void since; readers skip deletes.)
	sorted []string
}

// overlayEntry is a write: a value, or a delete. absent says Pebble holds
// no value for the key (a read found none), so that a delete of it is no
// write at all: a key created and deleted within one transaction (a
// contribution remembered and dropped as final, say) reaches neither the
// changelog nor Pebble, and a read's miss is remembered for the next.
type overlayEntry struct {
	value   []byte
	deleted bool
	absent  bool
}

// void says e writes nothing: a delete of a key Pebble does not hold.
func (e overlayEntry) void() bool { return e.deleted && e.absent }

func (o *overlay) get(key []byte) (overlayEntry, bool) {
	e, ok := o.m[string(key)]
	return e, ok
}

func (o *overlay) put(key []byte, e overlayEntry) {
	if o.m == nil {
		o.m = map[string]overlayEntry{}
	}
	k := string(key)
	if old, ok := o.m[k]; (!ok || old.void()) && !e.void() {
		o.sorted = nil
	}
	o.m[k] = e
}

// keys returns the written keys in byte order.
func (o *overlay) keys() []string {
	if o.sorted == nil && len(o.m) > 0 {
		ks := make([]string, 0, len(o.m))
		for k, e := range o.m {
			if !e.void() {
				ks = append(ks, k)
			}
		}
		slices.Sort(ks)
		o.sorted = ks
	}
	return o.sorted
}

// keysIn returns the written keys in [start, end) in byte order; end nil
// means no upper bound.
func (o *overlay) keysIn(start, end []byte) []string {
	ks := o.keys()
	lo, _ := slices.BinarySearch(ks, string(start))
	hi := len(ks)
	if end != nil {
		hi, _ = slices.BinarySearch(ks, string(end))
	}
	if hi < lo {
		return nil
	}
	return ks[lo:hi]
}

func (o *overlay) reset() {
	clear(o.m)
	o.sorted = nil
}
