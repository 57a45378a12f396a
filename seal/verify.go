package seal

import (
	"errors"
	"fmt"
	"sort"

	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/mod/sumdb/note"
)

// entry is what verify keeps of a record: its offset and seal, not its
// payload, so a partition of n records costs about 120·n bytes.
type entry struct {
	offset    int64
	link      Link
	linkErr   error // errNoSeal, or what is wrong with the headers
	contentOK bool  // the content hashes to link.Content
}

// Partition verifies one partition: Add its records in offset order, then
// Finish with its checkpoints.
type Partition struct {
	Topic     string
	Partition int32
	// Strict fails on chained records after the last checkpoint: anyone
	// can extend a chain (it is keyless), only checkpoints are signed.
	Strict  bool
	entries []entry
	content *contentHash
}

// Add takes the next record of the partition.
func (p *Partition) Add(r *kgo.Record) {
	l, err := ReadLink(r)
	e := entry{offset: r.Offset, link: l, linkErr: err}
	if err == nil {
		if p.content == nil {
			p.content = newContentHash()
		}
		e.contentOK = p.content.digest(r) == l.Content
	}
	p.entries = append(p.entries, e)
}

// Result is a partition that verified.
type Result struct {
	Topic        string
	Partition    int32
	Records      int   // records read
	Sealed       int64 // records in the chain
	Checkpointed int64 // records covered by the last checkpoint
	Checkpoints  int
	Last         *Checkpoint // the latest checkpoint, nil when none
	// Tree and Offsets (the offset of each leaf) are what proofs need.
	Tree    *Tree
	Offsets []int64
}

// Tail is the number of chained records no checkpoint covers yet.
func (r Result) Tail() int64 { return r.Sealed - r.Checkpointed }

// walk is the state of one pass over a partition.
type walk struct {
	p       *Partition
	cps     []Checkpoint // sorted by size
	tree    *Tree
	offsets []int64 // of each accepted leaf
	prev    Digest
	lastPos map[int64]int // seal number → last position holding it
}

// Finish verifies the partition against its checkpoints (already opened,
// so their signatures are good). A failure is a *TamperError naming the
// first bad offset.
func (p *Partition) Finish(cps []Checkpoint) (Result, error) {
	cps = append([]Checkpoint(nil), cps...)
	sort.SliceStable(cps, func(i, j int) bool { return cps[i].Size < cps[j].Size })
	w := &walk{p: p, cps: cps, tree: &Tree{}, lastPos: map[int64]int{}}
	for i, e := range p.entries {
		if e.linkErr == nil {
			w.lastPos[e.link.Seq] = i
		}
	}
	chainErr, badLeaf := w.chain()
	if err := w.checkpoints(badLeaf); err != nil {
		return Result{}, err
	}
	if chainErr != nil {
		return Result{}, chainErr
	}
	if err := w.truncated(); err != nil {
		return Result{}, err
	}
	res := Result{Topic: p.Topic, Partition: p.Partition, Records: len(p.entries), Sealed: w.tree.Size(), Checkpoints: len(cps), Tree: w.tree, Offsets: w.offsets}
	if len(cps) > 0 {
		res.Last = &cps[len(cps)-1]
		res.Checkpointed = res.Last.Size
	}
	if p.Strict && res.Tail() > 0 {
		return res, w.fail(w.offsets[res.Checkpointed], Unchecked, "%d chained records from here on are covered by no signed checkpoint", res.Tail())
	}
	return res, nil
}

func (w *walk) fail(offset int64, k Kind, format string, args ...any) *TamperError {
	return &TamperError{Topic: w.p.Topic, Partition: w.p.Partition, Offset: offset, Kind: k, Detail: fmt.Sprintf(format, args...)}
}

// chain walks the records in order and returns the first break, with the
// number of leaves before the record it blames (checkpoints up to there
// are checked first: a rewrite they catch comes earlier).
func (w *walk) chain() (*TamperError, int64) {
	for i, e := range w.p.entries {
		want := w.tree.Size()
		if err := w.step(i, e); err != nil {
			if err.Offset != e.offset { // blamed the record before
				want--
			}
			return err, want
		}
	}
	return nil, w.tree.Size()
}

// step checks record i, the candidate for leaf number want, and appends
// it to the tree when it is.
func (w *walk) step(i int, e entry) *TamperError {
	want := w.tree.Size()
	switch {
	case errors.Is(e.linkErr, errNoSeal):
		return w.fail(e.offset, Inserted, "the record carries no seal (it was not written by the sealer); seal number %d was due", want)
	case e.linkErr != nil:
		return w.fail(e.offset, Modified, "%v", e.linkErr)
	case !e.contentOK:
		return w.fail(e.offset, Modified, "key, value or headers differ from the sealed content (seal number %d)", e.link.Seq)
	case e.link.Seq > want:
		if w.lastPos[want] > i {
			return w.fail(e.offset, Reordered, "seal number %d comes before seal number %d", e.link.Seq, want)
		}
		return w.fail(e.offset, Deleted, "seal numbers %d to %d are missing before this record", want, e.link.Seq-1)
	case e.link.Seq < want:
		return w.duplicate(i, e)
	case e.link.Prev != w.prev:
		return w.brokenLink(i, e)
	}
	d := e.link.Digest()
	w.tree.Append(d)
	w.offsets = append(w.offsets, e.offset)
	w.prev = d
	return nil
}

// successor returns the digest that what follows leaf seq commits to: the
// prev of the next record when that one is seal number seq+1, else the
// chain head of a checkpoint ending at seq.
func (w *walk) successor(i int, seq int64) (Digest, bool) {
	if i+1 < len(w.p.entries) {
		n := w.p.entries[i+1]
		if n.linkErr == nil && n.contentOK && n.link.Seq == seq+1 {
			return n.link.Prev, true
		}
	}
	for _, c := range w.cps {
		if c.Size == seq+1 {
			return c.Head, true
		}
	}
	return Digest{}, false
}

// brokenLink: record i is the right seal number but does not link to the
// leaf before it. When what follows i vouches for i, the leaf before was
// changed (and its content digest recomputed); else i itself was.
func (w *walk) brokenLink(i int, e entry) *TamperError {
	if next, ok := w.successor(i, e.link.Seq); ok && next == e.link.Digest() && len(w.offsets) > 0 {
		return w.fail(w.offsets[len(w.offsets)-1], Modified,
			"seal number %d was changed and its digest recomputed: the next record commits to another one", e.link.Seq-1)
	}
	return w.fail(e.offset, Modified, "seal number %d does not link to the record before it", e.link.Seq)
}

// duplicate: record i repeats a seal number already taken. When it repeats
// the last leaf and what follows vouches for it rather than for the
// accepted one, the accepted one was the insertion.
func (w *walk) duplicate(i int, e entry) *TamperError {
	last := w.tree.Size() - 1
	if e.link.Seq == last && len(w.offsets) > 0 {
		if next, ok := w.successor(i, e.link.Seq); ok && next == e.link.Digest() && next != w.prev {
			return w.fail(w.offsets[last], Inserted, "a forged record took seal number %d; the record at offset %d is the sealed one", last, e.offset)
		}
	}
	return w.fail(e.offset, Inserted, "seal number %d appears again (seal number %d was due)", e.link.Seq, w.tree.Size())
}

// checkpoints compares each checkpoint covering at most upTo leaves with
// the tree head recomputed from the records.
func (w *walk) checkpoints(upTo int64) *TamperError {
	var good int64 // leaves covered by the last checkpoint that matched
	for _, c := range w.cps {
		if c.Size > upTo || c.Size > w.tree.Size() {
			return nil
		}
		root, err := w.tree.Root(c.Size)
		if err != nil {
			return w.fail(w.offsets[good], Rewritten, "%v", err)
		}
		if root == c.Root {
			good = c.Size
			continue
		}
		last := w.offsets[c.Size-1]
		if r, err := w.tree.RootWithLast(c.Size, c.Head); err == nil && r == c.Root {
			return w.fail(last, Modified, "seal number %d differs from the one its checkpoint (signed by %s) commits to", c.Size-1, c.KeyName)
		}
		return w.fail(w.offsets[good], Rewritten,
			"records from here to offset %d do not hash to the checkpoint of %d records signed by %s: rewritten and re-chained", last, c.Size, c.KeyName)
	}
	return nil
}

// truncated fails when a checkpoint covers more records than the chain.
func (w *walk) truncated() *TamperError {
	if len(w.cps) == 0 {
		return nil
	}
	c := w.cps[len(w.cps)-1]
	n := w.tree.Size()
	if c.Size <= n {
		return nil
	}
	at := int64(0)
	if len(w.p.entries) > 0 {
		at = w.p.entries[len(w.p.entries)-1].offset + 1
	}
	return w.fail(at, Truncated, "the checkpoint signed by %s covers %d records up to offset %d; the partition holds %d: seal numbers %d to %d are gone",
		c.KeyName, c.Size, c.LastOffset, n, n, c.Size-1)
}

// RawCheckpoint is a checkpoint record as read from CheckpointsTopic.
type RawCheckpoint struct {
	Offset int64
	Note   []byte
}

// OpenCheckpoints verifies and parses topic's checkpoints, by partition.
// A bad signature is a *TamperError; an unknown key an *UnknownKeyError.
func OpenCheckpoints(topic string, raw []RawCheckpoint, keys note.Verifiers) (map[int32][]Checkpoint, error) {
	out := map[int32][]Checkpoint{}
	for _, r := range raw {
		c, err := OpenCheckpoint(r.Note, keys, r.Offset)
		var bad *BadCheckpointError
		if errors.As(err, &bad) {
			return nil, &TamperError{Topic: CheckpointsTopic, Offset: r.Offset, Kind: BadSignature, Detail: fmt.Sprintf("checkpoint of %s: %v", topic, bad.Err)}
		}
		if err != nil {
			return nil, err
		}
		if c.Topic != topic {
			return nil, &TamperError{Topic: CheckpointsTopic, Offset: r.Offset, Kind: BadSignature,
				Detail: fmt.Sprintf("filed under %s but signed for %s", topic, Origin(c.Topic, c.Partition))}
		}
		out[c.Partition] = append(out[c.Partition], c)
	}
	return out, nil
}

// sealed reports whether any record read carries a seal.
func (p *Partition) sealed() bool {
	for _, e := range p.entries {
		if !errors.Is(e.linkErr, errNoSeal) {
			return true
		}
	}
	return false
}

// Topic verifies a whole topic: its partitions (records already added)
// against its checkpoints as read from CheckpointsTopic. It returns the
// partitions' results in partition order, or the first failure.
func Topic(topic string, parts map[int32]*Partition, raw []RawCheckpoint, keys note.Verifiers) ([]Result, error) {
	sealed := len(raw) > 0
	for _, p := range parts {
		sealed = sealed || p.sealed()
	}
	if !sealed {
		return nil, &NotSealedError{Topic: topic}
	}
	cps, err := OpenCheckpoints(topic, raw, keys)
	if err != nil {
		return nil, err
	}
	ids := make([]int32, 0, len(parts))
	for id := range parts {
		ids = append(ids, id)
	}
	for id := range cps {
		if parts[id] == nil {
			// Checkpoints of a partition the topic no longer has: all of
			// it is gone.
			parts[id] = &Partition{Topic: topic, Partition: id}
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var out []Result
	for _, id := range ids {
		res, err := parts[id].Finish(cps[id])
		if err != nil {
			return out, err
		}
		out = append(out, res)
	}
	return out, nil
}
