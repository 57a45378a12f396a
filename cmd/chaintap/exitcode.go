package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/seal"
	"github.com/chaintap/chaintap/seal/anchor"
)

// Exit codes other than 0 (done), 1 (an error) and 2 (a usage error):
// what a supervisor must not simply restart. README.md documents them.
const (
	// exitConfirmedReorg: a reorg orphaned confirmed blocks and the chain's
	// policy is stop. The follower restarts only once told how to go on.
	exitConfirmedReorg = 3
	// exitReorgTooDeep: a reorg deeper than the reorg window.
	exitReorgTooDeep = 4
	// exitTampered: verify found a tampering (or a proof does not check).
	exitTampered = 5
	// exitCannotVerify: verify or prove lacks what it needs: the topic was
	// never sealed or is missing, a checkpoint is signed by a key it was
	// not given, a tree head is not anchored, a record is not checkpointed.
	exitCannotVerify = 6
)

// reorgExit returns the exit code of a failed command, after the error
// itself was printed, and prints how to go on after a reorg the follower
// stopped on.
func reorgExit(err error, stderr io.Writer) int {
	var confirmed *chaintap.ConfirmedReorgError
	if errors.As(err, &confirmed) {
		fmt.Fprintf(stderr, `The head view is corrected and the reorg is recorded in %[1]s.reorgs; the .confirmed topics still hold the orphaned blocks.
To go on, restart with one of:
  chaintap ingest --accept-reorg %[2]d …   keep the .confirmed topics as they are and continue after them
  on_confirmed_reorg: correct (chain %[1]s)  retract the orphaned confirmed records and publish the canonical ones
`, confirmed.Chain, confirmed.Reorg.FirstOrphaned())
		return exitConfirmedReorg
	}
	var deep *chaintap.ReorgTooDeepError
	if errors.As(err, &deep) {
		return exitReorgTooDeep
	}
	return sealExit(err)
}

// sealExit is the exit code of verify's and prove's failures.
func sealExit(err error) int {
	var (
		tampered *seal.TamperError
		proof    *seal.ProofError
		bad      *seal.BadCheckpointError
		never    *seal.NotSealedError
		noTopic  *seal.NoTopicError
		unknown  *seal.UnknownKeyError
		notCP    *seal.NotCheckpointedError
		notAnc   *anchor.NotAnchoredError
	)
	switch {
	case errors.As(err, &tampered), errors.As(err, &proof), errors.As(err, &bad):
		return exitTampered
	case errors.As(err, &never), errors.As(err, &noTopic), errors.As(err, &unknown), errors.As(err, &notCP), errors.As(err, &notAnc):
		return exitCannotVerify
	}
	return 1
}
