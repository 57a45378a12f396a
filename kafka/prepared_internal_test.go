package kafka

import (
	"testing"

	"github.com/chaintap/chaintap"
)

// TestPreparedBlocksCarryTheirEncoding: the publisher keeps nothing of a
// prepared block; the block carries its encoding (and counts it in its
// footprint), Publish uses it, and Release gives its buffer back for the
// next block's encoding.
func TestPreparedBlocksCarryTheirEncoding(t *testing.T) {
	p := &Publisher{chain: "c", topics: TopicsFor("", "c")}
	other := &Publisher{chain: "c", topics: TopicsFor("", "c")}
	blk := sampleBlock()
	pb := p.Prepare(blk)
	if pb.Header() != blk.Header() || len(pb.Records()) != len(blk.Records()) {
		t.Fatalf("prepared block is not the block: %v", pb.Header())
	}
	if p.Prepare(pb) != pb {
		t.Fatal("preparing a prepared block prepared it again")
	}
	if chaintap.Footprint(pb) <= chaintap.Footprint(blk) {
		t.Fatalf("footprint %d of the prepared block does not count its encoding (block alone %d)", chaintap.Footprint(pb), chaintap.Footprint(blk))
	}
	e, err := p.encodedOf(pb)
	if err != nil || e != pb.(*prepared).enc {
		t.Fatalf("Publish would not use the prepared encoding (%v)", err)
	}
	// Another publisher's topics may differ: it encodes for itself.
	if e2, err := other.encodedOf(pb); err != nil || e2 == e {
		t.Fatalf("another publisher used this one's encoding (%v)", err)
	}
	p.Release(pb)
	if pb.(*prepared).enc != nil {
		t.Fatal("a released block still holds its encoding")
	}
	// The buffers go through a sync.Pool, which may drop what it is given
	// (a GC empties it; under the race detector it drops one Put in four
	// on purpose): a released buffer must be reused at least once in a
	// few rounds, not every time.
	for range 40 {
		pb := p.Prepare(blk)
		buf := &pb.(*prepared).enc.buf[:1][0]
		p.Release(pb)
		again, err := p.encodedOf(blk)
		if err != nil {
			t.Fatal(err)
		}
		if &again.buf[:1][0] == buf {
			return
		}
	}
	t.Fatal("a released buffer was never reused in 40 rounds")
}

// TestViewsAreHandedOutOnce: franz-go writes into the records it is
// given, so a view asked for again (a block published again in it) gets
// new records with the same topics, keys and values, and the confirmed
// view keys the block by its hash.
func TestViewsAreHandedOutOnce(t *testing.T) {
	topics := TopicsFor("", "c")
	blk := sampleBlock()
	e, err := encodeBlock(topics, "c", blk, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, confirmed := range []bool{false, true} {
		first := e.view(topics, blk.Header(), confirmed, nil)
		first[0].Offset = 42 // as franz-go does once produced
		again := e.view(topics, blk.Header(), confirmed, nil)
		if &first[0] == &again[0] || again[0].Offset != 0 {
			t.Fatalf("confirmed=%v: the second view reuses the first's records", confirmed)
		}
		want := BlockRecords(blk, confirmed)
		for i, r := range again {
			wantTopic := topics.Head(want[i].Entity)
			if confirmed {
				wantTopic = topics.Confirmed(want[i].Entity)
			}
			if r.Topic != wantTopic || string(r.Key) != want[i].Key || string(r.Value) != string(first[i].Value) {
				t.Fatalf("confirmed=%v record %d: %s %s, want %s %s", confirmed, i, r.Topic, r.Key, wantTopic, want[i].Key)
			}
		}
	}
	if got := e.manifest.Keys[topics.Head("blocks")]; len(got) != 1 || got[0] != chaintap.BlockHeadKey(blk.Number) {
		t.Fatalf("manifest block keys %v", got)
	}
}
