package catalog_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/stream"
)

// TestQueriesKnowTheReorgWindow: a compiled query over a chain's head view
// keeps what it needs for retraction only within the chain's reorg
// window. A retraction from deeper than the window (which the follower
// never sends) finds nothing to take back, and changes nothing; with no
// window known, everything is kept and it is taken back (the group's row
// is written again).
func TestQueriesKnowTheReorgWindow(t *testing.T) {
	for _, window := range []int{4, 0} {
		cat, err := catalog.New("", catalog.Chain{Name: "eth", ReorgWindow: window})
		if err != nil {
			t.Fatal(err)
		}
		prog, err := cat.Compile(`CREATE TABLE latest AS SELECT hash, LATEST_BY_OFFSET(block_number) AS b
  FROM eth_transactions GROUP BY hash EMIT CHANGES;`, stream.Options{})
		if err != nil {
			t.Fatal(err)
		}
		outputs := 0
		l := stream.NewLocal(prog.Queries[0].Stages, func(o stream.Output) {
			if o.Topic == "LATEST" {
				outputs++
			}
		})
		ctx := context.Background()
		for b := 1; b <= 50; b++ {
			r := stream.Record{Topic: "eth.transactions", Offset: int64(b), Key: fmt.Appendf(nil, "t%d", b),
				Headers: []stream.Header{{Key: stream.HeaderOp, Value: []byte("upsert")}},
				Value:   fmt.Appendf(nil, `{"hash":"0xaa","block_number":%d,"transaction_index":0}`, b)}
			if err := l.Feed(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		outputs = 0
		err = l.Feed(ctx, stream.Record{Topic: "eth.transactions", Offset: 51, Key: []byte("t1"),
			Headers: []stream.Header{{Key: stream.HeaderOp, Value: []byte(stream.OpRetract)}}})
		switch {
		case err != nil:
			t.Fatalf("window %d: retracting block 1 at block 50: %v", window, err)
		case window > 0 && outputs != 0:
			t.Fatalf("window %d: retracting block 1 at block 50 wrote %d rows, want it dropped from the state (none)", window, outputs)
		case window == 0 && outputs != 1:
			t.Fatalf("no window: retracting block 1 wrote %d rows, want the group's row again", outputs)
		}
	}
}
