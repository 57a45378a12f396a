package catalog_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/sql"
	"github.com/chaintap/chaintap/stream"
)

// TestQueriesKnowTheReorgWindow: a compiled query over a chain's head view
// keeps what it needs for retraction only within the chain's reorg
// window. A retraction from deeper than the window (which the follower
// never sends) finds nothing to take back; with no window known,
// everything is kept and it is taken back.
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
		l := stream.NewLocal(prog.Queries[0].Stages, nil)
		ctx := context.Background()
		for b := 1; b <= 50; b++ {
			r := stream.Record{Topic: "eth.transactions", Offset: int64(b), Key: fmt.Appendf(nil, "t%d", b),
				Headers: []stream.Header{{Key: stream.HeaderOp, Value: []byte("upsert")}},
				Value:   fmt.Appendf(nil, `{"hash":"0xaa","block_number":%d,"transaction_index":0}`, b)}
			if err := l.Feed(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		err = l.Feed(ctx, stream.Record{Topic: "eth.transactions", Offset: 51, Key: []byte("t1"),
			Headers: []stream.Header{{Key: stream.HeaderOp, Value: []byte(stream.OpRetract)}}})
		switch {
		case window > 0 && !errors.Is(err, sql.ErrRetractUnknown):
			t.Fatalf("window %d: retracting block 1 at block 50: %v, want it dropped from the state (%v)", window, err, sql.ErrRetractUnknown)
		case window == 0 && err != nil:
			t.Fatalf("no window: retracting block 1: %v", err)
		}
	}
}
