package kafka

import (
	"fmt"
	"slices"
	"testing"

	"github.com/chaintap/chaintap"
)

// TestKeepOnly: after a commit the cache keeps exactly the blocks a later
// batch may still publish.
func TestKeepOnly(t *testing.T) {
	blk := func(tag string, n uint64) *chaintap.EVMBlock {
		return &chaintap.EVMBlock{Chain: "c", Number: n, Hash: fmt.Sprintf("0x%s%d", tag, n)}
	}
	c := newEncodedCache("c", TopicsFor("", "c"))
	var window []chaintap.Header
	for n := uint64(1); n <= 12; n++ {
		b := blk("a", n)
		if _, err := c.get(b); err != nil {
			t.Fatal(err)
		}
		if n >= 6 && n <= 10 {
			window = append(window, b.Header())
		}
	}
	orphan, ahead := blk("b", 8), blk("b", 11)
	for _, b := range []*chaintap.EVMBlock{orphan, ahead} {
		if _, err := c.get(b); err != nil {
			t.Fatal(err)
		}
	}
	// Window 6–10 (head 10), confirmed up to 2, block 3 confirmed now:
	// 4 and 5 are below the window and not confirmed, 11 and 12 (and the
	// other 11) were prepared ahead, the other 8 is an orphan.
	c.keepOnly(chaintap.Cursor{Window: window, Confirmed: 3, ConfirmedSet: true}, []chaintap.Block{blk("a", 3)})
	var kept []string
	for hash := range c.m {
		kept = append(kept, hash)
	}
	slices.Sort(kept)
	want := []string{"0xa10", "0xa11", "0xa12", "0xa4", "0xa5", "0xa6", "0xa7", "0xa8", "0xa9", "0xb11"}
	if !slices.Equal(kept, want) {
		t.Fatalf("kept %v, want %v", kept, want)
	}
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
