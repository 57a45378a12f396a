package kafka

import (
	"encoding/json"
	"fmt"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
)

// HeaderCorrection marks a confirmed-view retraction that corrects the
// view after a reorg orphaned confirmed blocks (on_confirmed_reorg:
// correct); its value is the reorg's ID, the key of its record in
// <chain>.reorgs.
const HeaderCorrection = "correction"

// reorgRecord encodes a reorg for <chain>.reorgs: keyed by its ID, with
// the common ancestor as the block it names in its headers.
func reorgRecord(t Topics, ev *chaintap.Reorg) (*kgo.Record, error) {
	v, err := json.Marshal(ev)
	if err != nil {
		return nil, fmt.Errorf("encoding the reorg at block %d: %w", ev.FirstOrphaned(), err)
	}
	a := ev.CommonAncestor
	return &kgo.Record{Topic: t.Reorgs(), Key: []byte(ev.ID()), Value: v,
		Headers: blockHeaders(ev.Chain, a.Number, a.Hash, OpUpsert, "")}, nil
}

// corrections encodes a confirmed-view retraction for every record m lists,
// newest first, as retractions does for the head view: the same keys but
// the block's (its hash in the confirmed view), and a correction header
// naming the reorg.
func corrections(t Topics, m *manifest, reorg string) []*kgo.Record {
	rs := retractions(m)
	for _, r := range rs {
		entity := entityOf(r.Topic)
		r.Topic = t.Confirmed(entity)
		if entity == chaintap.EntityBlocks {
			r.Key = []byte(chaintap.BlockConfirmedKey(m.Hash))
		}
		r.Headers = append(r.Headers[:len(r.Headers):len(r.Headers)], kgo.RecordHeader{Key: HeaderCorrection, Value: []byte(reorg)})
	}
	return rs
}
