package follow

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/chaintap/chaintap"
)

// chainOf builds headers from..to on a branch named by tag.
func chainOf(tag string, parent string, from, to uint64) []chaintap.Header {
	var hs []chaintap.Header
	for n := from; n <= to; n++ {
		h := chaintap.Header{Number: n, Hash: fmt.Sprintf("%s-%d", tag, n), ParentHash: parent}
		parent = h.Hash
		hs = append(hs, h)
	}
	return hs
}

type mapSource map[uint64]chaintap.Header

func (m mapSource) HeaderByNumber(_ context.Context, n uint64) (chaintap.Header, error) {
	h, ok := m[n]
	if !ok {
		return chaintap.Header{}, chaintap.ErrNotFound
	}
	return h, nil
}

func TestTrackerExtendsAndTrims(t *testing.T) {
	tr := NewTracker("c", 3, nil)
	for _, h := range chainOf("a", "genesis", 1, 5) {
		if err := tr.Apply(h); err != nil {
			t.Fatal(err)
		}
	}
	w := tr.Window()
	if len(w) != 3 || w[0].Number != 3 || w[2].Number != 5 {
		t.Fatalf("window = %+v, want blocks 3..5", w)
	}
	if err := tr.Apply(chaintap.Header{Number: 6, Hash: "b-6", ParentHash: "b-5"}); err == nil {
		t.Fatal("a block whose parent is not the head was applied")
	}
	if _, ok := tr.At(4); !ok {
		t.Fatal("At(4) missing")
	}
}

func TestTrackerResolve(t *testing.T) {
	a := chainOf("a", "genesis", 1, 10)
	for _, tc := range []struct {
		name         string
		forkAt       uint64 // last common block
		wantOrphaned int
	}{
		{"depth 1", 9, 1},
		{"depth 2", 8, 2},
		{"depth 5", 5, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := NewTracker("c", 8, a)
			node := mapSource{}
			for _, h := range a[:tc.forkAt] {
				node[h.Number] = h
			}
			for _, h := range chainOf("b", a[tc.forkAt-1].Hash, tc.forkAt+1, 11) {
				node[h.Number] = h
			}
			plan, err := tr.Resolve(context.Background(), node, 10)
			if err != nil {
				t.Fatal(err)
			}
			if plan.Ancestor.Number != tc.forkAt || len(plan.Orphaned) != tc.wantOrphaned {
				t.Fatalf("plan = %+v", plan)
			}
			if plan.Orphaned[0].Number != 10 {
				t.Fatalf("orphans must come newest first: %+v", plan.Orphaned)
			}
			if head, _ := tr.Head(); head != a[tc.forkAt-1] {
				t.Fatalf("head after resolve = %+v", head)
			}
		})
	}
}

func TestTrackerReorgDeeperThanWindow(t *testing.T) {
	a := chainOf("a", "genesis", 1, 10)
	tr := NewTracker("c", 4, a)
	node := mapSource{}
	for _, h := range chainOf("b", "genesis", 1, 11) {
		node[h.Number] = h
	}
	_, err := tr.Resolve(context.Background(), node, 10)
	var deep *chaintap.ReorgTooDeepError
	if !errors.As(err, &deep) || deep.Oldest != 7 {
		t.Fatalf("err = %v, want ReorgTooDeepError with oldest 7", err)
	}
}

func TestTrackerNodeBehindIsNotAReorg(t *testing.T) {
	a := chainOf("a", "genesis", 1, 10)
	tr := NewTracker("c", 8, a)
	node := mapSource{}
	for _, h := range a[:7] { // the node only knows up to 7: lagging
		node[h.Number] = h
	}
	plan, err := tr.Resolve(context.Background(), node, 7)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Ancestor.Number != 7 || len(plan.Orphaned) != 3 {
		t.Fatalf("plan = %+v", plan)
	}
}
