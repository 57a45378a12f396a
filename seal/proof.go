package seal

import (
	"encoding/json"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Proof is everything a third party needs to check that a record is in a
// sealed topic, with only the sealer's public key: the record, an RFC 6962
// inclusion proof against a signed checkpoint, and a consistency proof
// from that checkpoint to the latest one (the log only grew in between).
// It is JSON; byte fields are base64, a null key or value stays null.
type Proof struct {
	Topic       string        `json:"topic"`
	Partition   int32         `json:"partition"`
	Offset      int64         `json:"offset"`
	Key         []byte        `json:"key"`
	Value       []byte        `json:"value"`
	Headers     []ProofHeader `json:"headers"`
	Checkpoint  string        `json:"checkpoint"`
	Inclusion   []tlog.Hash   `json:"inclusion"`
	Latest      string        `json:"latest,omitempty"`
	Consistency []tlog.Hash   `json:"consistency,omitempty"`
}

// ProofHeader is a record header in a proof.
type ProofHeader struct {
	Key   string `json:"key"`
	Value []byte `json:"value"`
}

// Prove builds the proof of r, a record of a partition that verified as
// res against cps (its checkpoints).
func Prove(r *kgo.Record, res Result, cps []Checkpoint) (*Proof, error) {
	l, err := ReadLink(r)
	if err != nil {
		return nil, fmt.Errorf("%s partition %d offset %d: %w", r.Topic, r.Partition, r.Offset, err)
	}
	var at, latest *Checkpoint
	for i := range cps {
		c := &cps[i]
		if c.Size > l.Seq && (at == nil || c.Size < at.Size) {
			at = c
		}
		if latest == nil || c.Size > latest.Size {
			latest = c
		}
	}
	if at == nil {
		last := int64(-1)
		if latest != nil {
			last = latest.LastOffset
		}
		return nil, &NotCheckpointedError{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, LastOffset: last}
	}
	incl, err := tlog.ProveRecord(at.Size, l.Seq, res.Tree)
	if err != nil {
		return nil, fmt.Errorf("proving seal number %d: %w", l.Seq, err)
	}
	p := &Proof{Topic: r.Topic, Partition: r.Partition, Offset: r.Offset, Key: r.Key, Value: r.Value,
		Checkpoint: string(at.Signed), Inclusion: incl}
	for _, h := range r.Headers {
		p.Headers = append(p.Headers, ProofHeader{Key: h.Key, Value: h.Value})
	}
	if latest.Size > at.Size {
		cons, err := tlog.ProveTree(latest.Size, at.Size, res.Tree)
		if err != nil {
			return nil, fmt.Errorf("proving checkpoint %d extends %d: %w", latest.Size, at.Size, err)
		}
		p.Latest, p.Consistency = string(latest.Signed), cons
	}
	return p, nil
}

// ProofError: a proof does not check; the record or the proof was altered.
type ProofError struct{ Reason string }

func (e *ProofError) Error() string { return "proof does not verify: " + e.Reason }

// Check verifies p offline against the trusted keys and returns the
// checkpoint the record is included in (and the latest, when p has one).
func (p *Proof) Check(keys note.Verifiers) (Checkpoint, error) {
	at, err := p.openCheckpoint(p.Checkpoint, keys)
	if err != nil {
		return at, err
	}
	r := &kgo.Record{Key: p.Key, Value: p.Value}
	for _, h := range p.Headers {
		r.Headers = append(r.Headers, kgo.RecordHeader{Key: h.Key, Value: h.Value})
	}
	l, err := ReadLink(r)
	if err != nil {
		return at, &ProofError{Reason: "the record's seal: " + err.Error()}
	}
	if ContentDigest(r) != l.Content {
		return at, &ProofError{Reason: "the record's key, value or headers do not match its content digest"}
	}
	d := l.Digest()
	if err := tlog.CheckRecord(p.Inclusion, at.Size, at.Root, l.Seq, tlog.Hash(d)); err != nil {
		return at, &ProofError{Reason: fmt.Sprintf("seal number %d is not in the checkpoint of %d records: %v", l.Seq, at.Size, err)}
	}
	if p.Latest == "" {
		return at, nil
	}
	latest, err := p.openCheckpoint(p.Latest, keys)
	if err != nil {
		return at, err
	}
	if err := tlog.CheckTree(p.Consistency, latest.Size, latest.Root, at.Size, at.Root); err != nil {
		return at, &ProofError{Reason: fmt.Sprintf("the checkpoint of %d records does not extend the one of %d: %v", latest.Size, at.Size, err)}
	}
	return latest, nil
}

func (p *Proof) openCheckpoint(text string, keys note.Verifiers) (Checkpoint, error) {
	c, err := OpenCheckpoint([]byte(text), keys, -1)
	if err != nil {
		return c, err
	}
	if c.Topic != p.Topic || c.Partition != p.Partition {
		return c, &ProofError{Reason: fmt.Sprintf("checkpoint is for %s, the record for %s", Origin(c.Topic, c.Partition), Origin(p.Topic, p.Partition))}
	}
	return c, nil
}

// ParseProof reads a proof written by Prove (as JSON).
func ParseProof(b []byte) (*Proof, error) {
	var p Proof
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("reading the proof: %w", err)
	}
	return &p, nil
}
