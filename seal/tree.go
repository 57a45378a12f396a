package seal

import (
	"fmt"

	"golang.org/x/mod/sumdb/tlog"
)

// Tree is a whole RFC 6962 tree in memory (tlog's stored hashes, about two
// per leaf): what verify and prove need to recompute any earlier tree
// head and build proofs.
type Tree struct {
	n      int64
	stored []tlog.Hash
}

// Size is the number of leaves.
func (t *Tree) Size() int64 { return t.n }

// Append adds leaf d (a link digest) as leaf number Size().
func (t *Tree) Append(d Digest) {
	hs, err := tlog.StoredHashes(t.n, d[:], t)
	if err != nil {
		panic(fmt.Sprintf("seal: tree storage lost a hash: %v", err)) // every index read was written
	}
	t.stored = append(t.stored, hs...)
	t.n++
}

// ReadHashes implements tlog.HashReader.
func (t *Tree) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		if x < 0 || x >= int64(len(t.stored)) {
			return nil, fmt.Errorf("tree hash %d not stored (tree size %d)", x, t.n)
		}
		out[i] = t.stored[x]
	}
	return out, nil
}

// Root is the tree head of the first n leaves.
func (t *Tree) Root(n int64) (tlog.Hash, error) {
	if n > t.n {
		return tlog.Hash{}, fmt.Errorf("tree head of %d leaves asked of a tree of %d", n, t.n)
	}
	return tlog.TreeHash(n, t)
}

// RootWithLast is the tree head of n leaves whose last one is d instead
// of the stored one: verify's test of whether only the last leaf of a
// checkpoint differs.
func (t *Tree) RootWithLast(n int64, d Digest) (tlog.Hash, error) {
	if n < 1 || n > t.n {
		return tlog.Hash{}, fmt.Errorf("tree head of %d leaves asked of a tree of %d", n, t.n)
	}
	hs, err := tlog.StoredHashes(n-1, d[:], t)
	if err != nil {
		return tlog.Hash{}, err
	}
	base := tlog.StoredHashIndex(0, n-1)
	over := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			if x >= base && x < base+int64(len(hs)) {
				out[i] = hs[x-base]
				continue
			}
			h, err := t.ReadHashes([]int64{x})
			if err != nil {
				return nil, err
			}
			out[i] = h[0]
		}
		return out, nil
	})
	return tlog.TreeHash(n, over)
}

// frontier is the right edge of a tree: the roots of its complete
// subtrees, at most one per level. It is all appending and computing the
// tree head need, so a sealer's memory stays O(log n) however long it runs.
type frontier struct {
	n      int64
	hashes map[int64]tlog.Hash // by tlog stored-hash index
}

func newFrontier() *frontier { return &frontier{hashes: map[int64]tlog.Hash{}} }

func (f *frontier) ReadHashes(idx []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(idx))
	for i, x := range idx {
		h, ok := f.hashes[x]
		if !ok {
			return nil, fmt.Errorf("frontier of %d leaves lacks hash %d", f.n, x)
		}
		out[i] = h
	}
	return out, nil
}

func (f *frontier) append(d Digest) {
	hs, err := tlog.StoredHashes(f.n, d[:], f)
	if err != nil {
		panic(fmt.Sprintf("seal: frontier lost a hash: %v", err)) // appending reads only the frontier
	}
	base := tlog.StoredHashIndex(0, f.n)
	for i, h := range hs {
		f.hashes[base+int64(i)] = h
	}
	f.n++
	keep := map[int64]bool{}
	for _, x := range frontierIndexes(f.n) {
		keep[x] = true
	}
	for x := range f.hashes {
		if !keep[x] {
			delete(f.hashes, x)
		}
	}
}

// frontierIndexes are the stored-hash indexes of the complete subtrees
// that make up a tree of n leaves, left to right.
func frontierIndexes(n int64) []int64 {
	var idx []int64
	var lo int64
	for level := 62; level >= 0; level-- {
		if n&(1<<level) != 0 {
			idx = append(idx, tlog.StoredHashIndex(level, lo>>level))
			lo += 1 << level
		}
	}
	return idx
}

func (f *frontier) root() (tlog.Hash, error) { return tlog.TreeHash(f.n, f) }
