package stream

import (
	"slices"
	"testing"

	"github.com/chaintap/chaintap/sql"
)

// TestWindowStarts checks the windows a time falls in: epoch-aligned
// multiples of the advance whose [start, start+size) holds it, also when
// SIZE is not a multiple of ADVANCE BY, and before the epoch.
func TestWindowStarts(t *testing.T) {
	tumbling := &sql.WindowSpec{Kind: sql.WindowTumbling, Size: 10}
	hop := func(size, advance int64) *sql.WindowSpec {
		return &sql.WindowSpec{Kind: sql.WindowHopping, Size: size, Advance: advance}
	}
	cases := []struct {
		w    *sql.WindowSpec
		ts   int64
		want []int64
	}{
		{tumbling, 0, []int64{0}},
		{tumbling, 9, []int64{0}},
		{tumbling, 10, []int64{10}},
		{tumbling, -1, []int64{-10}},
		{hop(10, 5), 12, []int64{5, 10}},
		{hop(10, 5), 10, []int64{5, 10}},
		{hop(10, 4), 8645, []int64{8636, 8640, 8644}},
		{hop(10, 4), 8, []int64{0, 4, 8}},
		{hop(10, 4), 11, []int64{4, 8}},
		{hop(10, 3), -1, []int64{-9, -6, -3}},
	}
	for _, c := range cases {
		if got := windowStarts(c.w, c.ts); !slices.Equal(got, c.want) {
			t.Errorf("windowStarts(%+v, %d) = %v, want %v", *c.w, c.ts, got, c.want)
		}
	}
}
