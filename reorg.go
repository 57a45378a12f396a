package chaintap

// KindReorg is the "type" of a reorg record.
const KindReorg = "reorg"

// EntityReorgs names the topic of a chain's reorg records (<chain>.reorgs).
// It is not one of Entities(): it carries no block's records and has no
// confirmed view.
const EntityReorgs = "reorgs"

// ConfirmedReorgPolicy says what a follower does when a reorg orphans
// blocks it already published to the confirmed view.
type ConfirmedReorgPolicy string

const (
	// PolicyStop corrects the head view, records the reorg and stops with a
	// *ConfirmedReorgError; the confirmed view is left as it is until the
	// follower is told how to go on.
	PolicyStop ConfirmedReorgPolicy = "stop"
	// PolicyCorrect retracts the orphaned blocks' confirmed records (marked
	// as a correction) and publishes the canonical ones in their place.
	PolicyCorrect ConfirmedReorgPolicy = "correct"
)

// Reorg is what a follower found when the chain reorganised: the value of
// a record on <chain>.reorgs, written in the same transaction as the
// retractions it causes.
type Reorg struct {
	Type  string `json:"type"`
	Chain string `json:"chain"`
	// Depth is the number of blocks orphaned.
	Depth int `json:"depth"`
	// CommonAncestor is the newest block both branches share.
	CommonAncestor Header `json:"common_ancestor"`
	// Orphaned are the blocks of the losing branch, newest first.
	Orphaned []Header `json:"orphaned"`
	// New are the node's canonical headers at the orphaned heights when the
	// reorg was found, oldest first; fewer when the new branch is shorter.
	New []Header `json:"new"`
	// DetectedAtHead is the follower's head when it found the reorg, and
	// NodeHead the newest block number the node had announced.
	DetectedAtHead Header `json:"detected_at_head"`
	NodeHead       uint64 `json:"node_head"`
	// ConfirmedHit says whether orphaned blocks had been published to the
	// confirmed view, which was then confirmed up to ConfirmedUpTo (0 and
	// false before the first block was confirmed).
	ConfirmedHit  bool   `json:"confirmed_hit"`
	ConfirmedUpTo uint64 `json:"confirmed_up_to"`
	// OrphanedConfirmed, when ConfirmedHit, are the blocks the confirmed
	// view holds above the common ancestor, newest first: what a
	// correction retracts. Besides the orphaned blocks that were confirmed
	// it lists the orphans of an earlier accepted reorg still there.
	OrphanedConfirmed []Header `json:"orphaned_confirmed,omitempty"`
	// Policy is what was done about a confirmed hit ("" without one).
	Policy ConfirmedReorgPolicy `json:"on_confirmed_reorg,omitempty"`
}

// ID names the reorg: the hash of the losing branch's tip. It is the key of
// the reorg's record and the value of the correction header of the
// confirmed-view retractions it causes.
func (r *Reorg) ID() string {
	if len(r.Orphaned) == 0 {
		return r.CommonAncestor.Hash
	}
	return r.Orphaned[0].Hash
}

// FirstOrphaned is the number of the oldest orphaned block: the height at
// which the branches part.
func (r *Reorg) FirstOrphaned() uint64 { return r.CommonAncestor.Number + 1 }

// Correction is a confirmed block a reorg orphaned, to be retracted from
// the confirmed view (PolicyCorrect). Reorg is the reorg's ID.
type Correction struct {
	Block Header
	Reorg string
}
