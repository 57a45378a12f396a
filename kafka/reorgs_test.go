package kafka

import (
	"slices"
	"testing"

	"github.com/chaintap/chaintap"
)

// TestCorrections: a corrected block's confirmed records are retracted with
// the confirmed view's topics and keys (the block's is its hash), newest
// record first, and a correction header naming the reorg.
func TestCorrections(t *testing.T) {
	b := sampleBlock()
	topics := TopicsFor("p.", "eth")
	e, err := encodeBlock(topics, "eth", b, nil)
	if err != nil {
		t.Fatal(err)
	}
	rs := corrections(topics, e.manifest, "0xtip")
	var want []string
	for _, r := range BlockRecords(b, true) {
		want = append(want, topics.Confirmed(r.Entity)+" "+r.Key)
	}
	slices.Reverse(want)
	var got []string
	for _, r := range rs {
		got = append(got, r.Topic+" "+string(r.Key))
		hs := map[string]string{}
		for _, h := range r.Headers {
			hs[h.Key] = string(h.Value)
		}
		if r.Value != nil || hs[HeaderOp] != OpRetract || hs[HeaderCorrection] != "0xtip" || hs[HeaderBlockHash] != b.Hash {
			t.Fatalf("%s %s: value %q, headers %v", r.Topic, r.Key, r.Value, hs)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("corrections\n%v\nwant\n%v", got, want)
	}
	// The head view's retractions are left as they were.
	for _, r := range retractions(e.manifest) {
		if len(r.Headers) != 4 {
			t.Fatalf("a head-view retraction got headers %v", r.Headers)
		}
	}
}

// TestReorgRecord: keyed by the reorg's ID, headers naming the ancestor,
// on the chain's reorgs topic.
func TestReorgRecord(t *testing.T) {
	ev := &chaintap.Reorg{Type: chaintap.KindReorg, Chain: "eth", Depth: 2,
		CommonAncestor: chaintap.Header{Number: 9, Hash: "0x09"},
		Orphaned:       []chaintap.Header{{Number: 11, Hash: "0x11"}, {Number: 10, Hash: "0x10"}}}
	r, err := reorgRecord(TopicsFor("p.", "eth"), ev)
	if err != nil {
		t.Fatal(err)
	}
	if r.Topic != "p.eth.reorgs" || string(r.Key) != "0x11" || Op(r) != OpUpsert {
		t.Fatalf("record %s %s %v", r.Topic, r.Key, r.Headers)
	}
}
