package stream

import (
	"cmp"
	"encoding/binary"
	"slices"
)

// finalEffects drops the remembered contributions (prefixEffect) of
// inputs that finality says can no longer be retracted, as the aggregates
// drop what they keep for such inputs: without it a head-view stage's
// store holds one contribution per input it ever saw. The task keeps in
// memory which contributions it remembers, by position, loaded from the
// store before its first record; the engine makes a new processor after
// an aborted transaction, so this never drifts from the store.
//
// An input is usually final within the same transaction that remembered
// it during a backfill (a reorg window of blocks is less than a poll), so
// its contribution reaches neither Pebble nor the changelog (the engine's
// store writes nothing for a key created and deleted in one transaction).
type finalEffects struct {
	loaded bool
	queue  effectQueue
}

// effectRef is a remembered contribution: its store key and position.
type effectRef struct {
	seq int64
	key string
}

// dropsEffects says whether the stage drops final contributions: it
// remembers them (its inputs can be retracted) and knows the depth below
// which no retraction reaches.
func (t *task) dropsEffects() bool {
	return t.spec.retracting && t.spec.finality.depth > 0
}

// loadEffects fills the queue from the store, once per processor, before
// its first record.
func (t *task) loadEffects(st Store) error {
	f := &t.effects
	if f.loaded || !t.dropsEffects() {
		return nil
	}
	f.loaded = true
	err := st.Range([]byte{prefixEffect}, []byte{prefixEffect + 1}, func(k, v []byte) error {
		if seq, n := binary.Varint(v); n > 0 {
			f.queue = append(f.queue, effectRef{seq: seq, key: string(k)})
		}
		return nil
	})
	f.queue.init() // a sorted slice is a heap
	return err
}

// remembered notes that id's contribution at seq is in the store, and
// deletes the contributions of inputs that are final now that an input
// at seq came. An id remembered again at a later position keeps its newer
// contribution; one retracted meanwhile is gone already.
func (t *task) remembered(st Store, id []byte, seq int64) error {
	if !t.dropsEffects() {
		return nil
	}
	q := &t.effects.queue
	q.push(effectRef{seq: seq, key: string(t.key(prefixEffect, id))})
	final, ok := t.spec.finality.below(seq)
	if !ok {
		return nil
	}
	for len(*q) > 0 && (*q)[0].seq < final {
		ref := q.pop()
		k := []byte(ref.key)
		v, ok, err := st.Get(k)
		if err != nil {
			return err
		}
		if cur, n := binary.Varint(v); !ok || n <= 0 || cur >= final {
			continue
		}
		if err := st.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// effectQueue is a min-heap of remembered contributions by position,
// typed rather than through container/heap, which boxes every element.
type effectQueue []effectRef

func (q *effectQueue) push(r effectRef) {
	*q = append(*q, r)
	h := *q
	for i := len(h) - 1; i > 0; {
		parent := (i - 1) / 2
		if h[parent].seq <= h[i].seq {
			break
		}
		h[parent], h[i] = h[i], h[parent]
		i = parent
	}
}

func (q *effectQueue) pop() effectRef {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h[last] = effectRef{}
	h = h[:last]
	for i := 0; ; {
		least, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && h[l].seq < h[least].seq {
			least = l
		}
		if r < len(h) && h[r].seq < h[least].seq {
			least = r
		}
		if least == i {
			break
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
	*q = h
	return top
}

// init orders a queue filled in any order.
func (q effectQueue) init() {
	slices.SortFunc(q, func(a, b effectRef) int { return cmp.Compare(a.seq, b.seq) })
}
