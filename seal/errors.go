package seal

import "fmt"

// Kind is what verify found wrong.
type Kind string

// The kinds of tampering verify names.
const (
	// Modified: a record's key, value or headers differ from what was
	// sealed (its content digest, or the digest its successor or a
	// checkpoint commits to, disagrees).
	Modified Kind = "modified"
	// Deleted: seal numbers are missing before this record (a gap).
	Deleted Kind = "deleted"
	// Inserted: a record that is not the next sealed one: unsealed, or a
	// seal number seen before.
	Inserted Kind = "inserted"
	// Reordered: a record comes before one the seal put ahead of it.
	Reordered Kind = "reordered"
	// Truncated: a checkpoint covers records the topic no longer holds.
	Truncated Kind = "truncated"
	// Rewritten: the chain is intact but does not hash to a signed
	// checkpoint: records from here on were rewritten and re-chained.
	Rewritten Kind = "rewritten"
	// BadSignature: a checkpoint's signature does not verify (it was
	// altered or forged).
	BadSignature Kind = "checkpoint signature invalid"
	// Unchecked: chained records no signed checkpoint covers yet; a
	// failure only when verifying strictly (a live topic always has a
	// few, between checkpoints).
	Unchecked Kind = "not checkpointed"
)

// TamperError is a failed verification: the first bad offset and what is
// wrong there.
type TamperError struct {
	Topic     string
	Partition int32
	Offset    int64
	Kind      Kind
	Detail    string
}

func (e *TamperError) Error() string {
	return fmt.Sprintf("%s partition %d offset %d: %s: %s", e.Topic, e.Partition, e.Offset, e.Kind, e.Detail)
}

// NotSealedError: the topic holds no sealed record and has no checkpoint,
// so there is nothing to verify against.
type NotSealedError struct{ Topic string }

func (e *NotSealedError) Error() string {
	return fmt.Sprintf("topic %s was never sealed: no record carries seal headers and %s holds no checkpoint for it (seal it with `chaintap seal --from %s --to <sealed topic>`)", e.Topic, CheckpointsTopic, e.Topic)
}

// NotCheckpointedError: a proof was asked for a record no signed
// checkpoint covers yet.
type NotCheckpointedError struct {
	Topic      string
	Partition  int32
	Offset     int64
	LastOffset int64 // of the last checkpointed record; -1 when none
}

func (e *NotCheckpointedError) Error() string {
	if e.LastOffset < 0 {
		return fmt.Sprintf("%s partition %d offset %d: no checkpoint covers it yet (the partition has none); wait for the sealer's next checkpoint", e.Topic, e.Partition, e.Offset)
	}
	return fmt.Sprintf("%s partition %d offset %d is past the last checkpoint (which ends at offset %d); wait for the sealer's next checkpoint", e.Topic, e.Partition, e.Offset, e.LastOffset)
}
