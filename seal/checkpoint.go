package seal

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// CheckpointsTopic holds every checkpoint of every sealed topic, keyed by
// the sealed topic's name, one partition so that they stay in order.
const CheckpointsTopic = "_chaintap.seal.checkpoints"

// Checkpoint is a signed tree head of one sealed partition. Its text is a
// C2SP tlog-checkpoint (origin, size, base64 root hash) with two extension
// lines, "last-offset <n>" and "chain-head <base64 link digest>", signed as
// a C2SP signed note, so transparency-dev tooling reads it as it is.
type Checkpoint struct {
	Topic      string
	Partition  int32
	Size       int64     // leaves covered: seal numbers 0..Size-1
	Root       tlog.Hash // RFC 6962 tree head over them
	LastOffset int64     // Kafka offset of leaf Size-1 when it was sealed
	Head       Digest    // link digest of leaf Size-1

	// Set by OpenCheckpoint.
	KeyName string
	KeyHash uint32
	Signed  []byte // the whole signed note
}

// Origin is the checkpoint origin line of a sealed partition.
func Origin(topic string, partition int32) string {
	return "chaintap.seal/" + topic + "/" + strconv.Itoa(int(partition))
}

// Body is the checkpoint text that is signed.
func (c Checkpoint) Body() string {
	return fmt.Sprintf("%s\n%d\n%s\nlast-offset %d\nchain-head %s\n",
		Origin(c.Topic, c.Partition), c.Size, base64.StdEncoding.EncodeToString(c.Root[:]),
		c.LastOffset, base64.StdEncoding.EncodeToString(c.Head[:]))
}

// Sign returns the checkpoint as a signed note.
func (c Checkpoint) Sign(s note.Signer) ([]byte, error) {
	msg, err := note.Sign(&note.Note{Text: c.Body()}, s)
	if err != nil {
		return nil, fmt.Errorf("signing the checkpoint of %s: %w", Origin(c.Topic, c.Partition), err)
	}
	return msg, nil
}

// UnknownKeyError: a checkpoint is signed only by keys the verifier was
// not given. Either the verifier lacks the sealer's public key (a rotated
// key, say) or someone else signed it; verify cannot tell which.
type UnknownKeyError struct {
	Offset int64 // of the checkpoint in CheckpointsTopic
	Keys   []string
}

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("%s is signed by unknown key %s: pass the sealer's public key with --key (every key it used, after a rotation)",
		where(e.Offset), strings.Join(e.Keys, ", "))
}

// where names a checkpoint by its offset; -1 is one read from a proof.
func where(offset int64) string {
	if offset < 0 {
		return "the proof's checkpoint"
	}
	return fmt.Sprintf("checkpoint at %s offset %d", CheckpointsTopic, offset)
}

// BadCheckpointError: a checkpoint's signature does not verify, or its
// text is not a checkpoint: it was altered or forged.
type BadCheckpointError struct {
	Offset int64
	Err    error
}

func (e *BadCheckpointError) Error() string {
	return fmt.Sprintf("%s: %v", where(e.Offset), e.Err)
}
func (e *BadCheckpointError) Unwrap() error { return e.Err }

// OpenCheckpoint verifies msg against the trusted keys and parses it.
// offset is where it was read, for the errors.
func OpenCheckpoint(msg []byte, keys note.Verifiers, offset int64) (Checkpoint, error) {
	n, err := note.Open(msg, keys)
	var unverified *note.UnverifiedNoteError
	if errors.As(err, &unverified) {
		var names []string
		for _, s := range unverified.Note.UnverifiedSigs {
			names = append(names, fmt.Sprintf("%s+%08x", s.Name, s.Hash))
		}
		return Checkpoint{}, &UnknownKeyError{Offset: offset, Keys: names}
	}
	if err != nil {
		return Checkpoint{}, &BadCheckpointError{Offset: offset, Err: fmt.Errorf("signature invalid: %w", err)}
	}
	// base64 leaves the low bits of a signature's last character
	// unused; note.Open ignores them, so a checkpoint could be re-spelt
	// and still verify. One spelling per signature: its bytes are fixed.
	for _, sig := range append(n.Sigs, n.UnverifiedSigs...) {
		if _, err := base64.StdEncoding.Strict().DecodeString(sig.Base64); err != nil {
			return Checkpoint{}, &BadCheckpointError{Offset: offset, Err: fmt.Errorf("signature of %s is not canonical base64", sig.Name)}
		}
	}
	c, err := parseBody(n.Text)
	if err != nil {
		return Checkpoint{}, &BadCheckpointError{Offset: offset, Err: err}
	}
	c.KeyName, c.KeyHash, c.Signed = n.Sigs[0].Name, n.Sigs[0].Hash, msg
	return c, nil
}

func parseBody(text string) (Checkpoint, error) {
	var c Checkpoint
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) != 5 {
		return c, fmt.Errorf("not a chaintap checkpoint: %d lines, want 5", len(lines))
	}
	origin, ok := strings.CutPrefix(lines[0], "chaintap.seal/")
	i := strings.LastIndexByte(origin, '/')
	if !ok || i < 0 {
		return c, fmt.Errorf("checkpoint origin %q is not chaintap.seal/<topic>/<partition>", lines[0])
	}
	p, err := strconv.ParseInt(origin[i+1:], 10, 32)
	if err != nil {
		return c, fmt.Errorf("checkpoint origin %q: %w", lines[0], err)
	}
	c.Topic, c.Partition = origin[:i], int32(p)
	if c.Size, err = strconv.ParseInt(lines[1], 10, 64); err != nil || c.Size < 1 {
		return c, fmt.Errorf("checkpoint size %q", lines[1])
	}
	if err := decode64(lines[2], c.Root[:]); err != nil {
		return c, fmt.Errorf("checkpoint root: %w", err)
	}
	off, ok := strings.CutPrefix(lines[3], "last-offset ")
	if c.LastOffset, err = strconv.ParseInt(off, 10, 64); !ok || err != nil {
		return c, fmt.Errorf("checkpoint line %q, want last-offset <n>", lines[3])
	}
	head, ok := strings.CutPrefix(lines[4], "chain-head ")
	if err := decode64(head, c.Head[:]); !ok || err != nil {
		return c, fmt.Errorf("checkpoint line %q, want chain-head <base64>", lines[4])
	}
	return c, nil
}

func decode64(s string, into []byte) error {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return err
	}
	if len(b) != len(into) || !bytes.Equal([]byte(base64.StdEncoding.EncodeToString(b)), []byte(s)) {
		return fmt.Errorf("%q is not %d bytes in canonical base64", s, len(into))
	}
	copy(into, b)
	return nil
}
