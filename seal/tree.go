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

// Append adds the leaf whose hash is d (a link digest) as leaf number
// Size().
func (t *Tree) Append(d Digest) {
	hs, err := tlog.StoredHashesForRecordHash(t.n, tlog.Hash(d), t)
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
	hs, err := tlog.StoredHashesForRecordHash(n-1, tlog.Hash(d), t)
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
// subtrees, largest first, one per set bit of the leaf count. It is all
// appending and computing the tree head need, so a sealer's memory stays
// O(log n) however long it runs, and an append costs on average one node
// hash (the leaf hash is the link digest). Tests check its heads against tlog's and
// transparency-dev's.
type frontier struct {
	n     int64
	roots []tlog.Hash
}

func newFrontier() *frontier { return &frontier{} }

func (f *frontier) append(d Digest) {
	h := tlog.Hash(d)
	// Each trailing 1 bit of n is a complete subtree of the new leaf's
	// size, now joined with it.
	for k := f.n; k&1 == 1; k >>= 1 {
		h = tlog.NodeHash(f.roots[len(f.roots)-1], h)
		f.roots = f.roots[:len(f.roots)-1]
	}
	f.roots = append(f.roots, h)
	f.n++
}

// root folds the subtrees right to left, which is RFC 6962's split at the
// largest power of two.
func (f *frontier) root() (tlog.Hash, error) {
	if f.n == 0 {
		return tlog.TreeHash(0, nil)
	}
	h := f.roots[len(f.roots)-1]
	for i := len(f.roots) - 2; i >= 0; i-- {
		h = tlog.NodeHash(f.roots[i], h)
	}
	return h, nil
}
