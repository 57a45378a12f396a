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
	blk := func(tag string, n uint64) *chaintap.Block {
		return &chaintap.Block{Chain: "c", Number: n, Hash: fmt.Sprintf("0x%s%d", tag, n)}
	}
	c := newEncodedCache()
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
	for _, b := range []*chaintap.Block{orphan, ahead} {
		if _, err := c.get(b); err != nil {
			t.Fatal(err)
		}
	}
	// Window 6–10 (head 10), confirmed up to 2, block 3 confirmed now:
	// 4 and 5 are below the window and not confirmed, 11 and 12 (and the
	// other 11) were prepared ahead, the other 8 is an orphan.
	c.keepOnly(chaintap.Cursor{Window: window, Confirmed: 3, ConfirmedSet: true}, []*chaintap.Block{blk("a", 3)})
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
