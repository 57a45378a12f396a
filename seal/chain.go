package seal

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/mod/sumdb/tlog"
)

// Chain is the seal of one partition as its sealer holds it: the next seal
// number, the last link digest and the tree's frontier. It is not safe for
// concurrent use; a partition has one sealer.
type Chain struct {
	seq     int64
	prev    Digest
	tree    *frontier
	content *contentHash
}

// NewChain returns the chain of a partition nothing was sealed in yet.
func NewChain() *Chain { return &Chain{tree: newFrontier(), content: newContentHash()} }

// Size is the number of records sealed.
func (c *Chain) Size() int64 { return c.seq }

// Head is the link digest of the last record sealed (zero before any).
func (c *Chain) Head() Digest { return c.prev }

// Root is the RFC 6962 tree head over every record sealed.
func (c *Chain) Root() (tlog.Hash, error) { return c.tree.root() }

// Seal adds the seal headers to r (dropping any it had, so that sealing a
// sealed record seals it anew) and advances the chain.
func (c *Chain) Seal(r *kgo.Record) Link {
	stripSeal(r)
	return c.link(r, c.content.digest(r))
}

// stripSeal drops r's seal headers, into a new slice with room for the
// seal's: r's may be shared with other records.
func stripSeal(r *kgo.Record) {
	hs := make([]kgo.RecordHeader, 0, len(r.Headers)+3)
	for _, h := range r.Headers {
		if !isSealHeader(h.Key) {
			hs = append(hs, h)
		}
	}
	r.Headers = hs
}

// link seals r, stripped of seal headers, whose content digest is content.
func (c *Chain) link(r *kgo.Record, content Digest) Link {
	l := Link{Seq: c.seq, Prev: c.prev, Content: content}
	lh := l.headers()
	r.Headers = append(r.Headers, lh[:]...)
	c.advance(l)
	return l
}

// Resume advances the chain over r, a record this chain sealed before (as
// read back from the sealed topic), after checking that it is the next
// one, unchanged: a sealer never extends a chain it cannot vouch for.
func (c *Chain) Resume(r *kgo.Record) error {
	l, err := ReadLink(r)
	if err != nil {
		return fmt.Errorf("offset %d: %w", r.Offset, err)
	}
	switch {
	case l.Seq != c.seq:
		return fmt.Errorf("offset %d: seal number %d, want %d", r.Offset, l.Seq, c.seq)
	case l.Prev != c.prev:
		return fmt.Errorf("offset %d: does not link to the record before it", r.Offset)
	case c.content.digest(r) != l.Content:
		return fmt.Errorf("offset %d: content does not match its digest", r.Offset)
	}
	c.advance(l)
	return nil
}

func (c *Chain) advance(l Link) {
	d := l.Digest()
	c.tree.append(d)
	c.prev = d
	c.seq++
}
