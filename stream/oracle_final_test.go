package stream

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/chaintap/chaintap/sql"
)

// The oracle's definition of EMIT FINAL, over the canonical input, written
// from the semantics in docs/sql.md and nothing of the engine's code.

// finalFeed makes an EMIT FINAL scenario of a feed: a third of the events
// come early (up to 8 s before their place), so that some arrive after
// their window closed; and in half the scenarios a last event far in the
// future closes every window (else the ones stream time has not passed
// stay unwritten, which the oracle checks too).
func finalFeed(rng *rand.Rand, feed []Record) []Record {
	last := int64(0)
	for i, r := range feed {
		last = max(last, r.Timestamp)
		if r.Topic != "ev" || r.Value == nil || rng.IntN(3) > 0 {
			continue
		}
		at := r.Timestamp - int64(rng.IntN(8000))
		old := fmt.Sprintf(`"ts":%d}`, r.Timestamp)
		feed[i].Value = []byte(strings.Replace(string(r.Value), old, fmt.Sprintf(`"ts":%d}`, at), 1))
		feed[i].Timestamp = at
	}
	if rng.IntN(2) == 0 {
		at := last + 3*24*60*60*1000
		feed = append(feed, Record{Topic: "ev", Key: []byte("zlast"), Value: eventJSON(rng, at), Timestamp: at,
			Headers: []Header{{Key: HeaderOp, Value: opUpsert}}})
	}
	return feed
}

// naiveFinal: stream time is the latest event time of the rows that
// reached the aggregation so far (upserts that joined and passed WHERE,
// retracted ones included: they came). A window [start, end) is closed
// once stream time reaches end + grace (24 h without GRACE PERIOD); a row
// counts in the windows that were not closed when it came. The output is
// the aggregate, over the surviving rows, of the windows closed at the
// end: the ones still open have written nothing.
func naiveFinal(t testing.TB, qp *sql.QueryPlan, feed []Record) map[string]int {
	w := qp.Aggregate.Window
	grace := int64(24 * 60 * 60 * 1000)
	if w.HasGrace {
		grace = w.Grace
	}
	closesAt := func(start int64) int64 { return start + w.Size + grace }
	streamTime := int64(math.MinInt64)
	counted := map[int64][]int64{} // ev offset → the windows its row came in time for
	table := map[string]sql.Row{}
	offsets := map[string]int64{}
	tbSrc := sourceOf(qp, "tb")
	for _, r := range feed {
		off := offsets[r.Topic]
		offsets[r.Topic]++
		switch {
		case r.Topic == "tb" && r.Value == nil:
			delete(table, string(r.Key))
		case r.Topic == "tb":
			v, err := sql.DecodeJSON(tbSrc.Schema, r.Value)
			if err != nil {
				t.Fatal(err)
			}
			table[string(r.Key)] = append(sql.Row{string(r.Key)}, v[1:]...)
		case r.Topic == "ev" && r.Value != nil:
			row := naiveRow(t, qp, r, off, table)
			if row == nil {
				continue
			}
			ts := eventTimeOf(qp, row)
			streamTime = max(streamTime, ts)
			counted[off] = []int64{}
			for _, s := range naiveWindows(w, ts) {
				if closesAt(s) > streamTime {
					counted[off] = append(counted[off], s)
				}
			}
		}
	}
	return naiveAggregateIn(t, qp, naiveRows(t, qp, feed), func(k kept) []int64 {
		var closed []int64
		for _, s := range counted[k.seq] {
			if closesAt(s) <= streamTime {
				closed = append(closed, s)
			}
		}
		return closed
	})
}
