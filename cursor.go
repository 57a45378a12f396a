package chaintap

// Cursor is where a follower stands. It is written in the same Kafka
// transaction as the records it covers, so a restart neither skips nor
// repeats anything.
type Cursor struct {
	Chain string `json:"chain"`
	// Start is the first block the follower published (its --from).
	Start uint64 `json:"start"`
	// Window holds the most recent canonical headers, oldest first; the last
	// one is the head the follower has published. Reorgs are detected and
	// resolved within it.
	Window []Header `json:"window"`
	// Confirmed is the highest block number published to the confirmed view;
	// ConfirmedSet is false until the first block was confirmed.
	Confirmed    uint64 `json:"confirmed"`
	ConfirmedSet bool   `json:"confirmed_set"`
	// StoppedOn is the confirmed reorg the follower stopped on
	// (PolicyStop), until it is accepted or corrected: while it is set the
	// confirmed view holds blocks of the losing branch.
	StoppedOn *Reorg `json:"stopped_on,omitempty"`
	// Accepted are orphaned blocks the confirmed view keeps because a
	// confirmed reorg was accepted, newest first, while the window reaches
	// their heights: the confirmed blocks there are not the window's.
	Accepted []Header `json:"accepted,omitempty"`
}

// Retractable returns the blocks whose published records may still have to
// be retracted: the window's, the confirmed blocks of the reorg the
// follower stopped on, and the accepted orphans.
func (c *Cursor) Retractable() []Header {
	out := append([]Header(nil), c.Window...)
	if c.StoppedOn != nil {
		out = append(out, c.StoppedOn.OrphanedConfirmed...)
	}
	return append(out, c.Accepted...)
}

// Head returns the cursor's head and whether there is one.
func (c *Cursor) Head() (Header, bool) {
	if c == nil || len(c.Window) == 0 {
		return Header{}, false
	}
	return c.Window[len(c.Window)-1], true
}

// NextConfirmed returns the first block number not yet confirmed.
func (c *Cursor) NextConfirmed() uint64 {
	if c.ConfirmedSet {
		return c.Confirmed + 1
	}
	return c.Start
}
