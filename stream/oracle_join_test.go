package stream

import (
	"fmt"
	"math"
	"testing"

	"github.com/chaintap/chaintap/sql"
)

// The oracle's definitions of the two-sided joins, over the canonical
// input, written from the semantics in docs/sql.md and nothing of the
// engine's join code.

// naiveSideRecord is one stream record of a join side.
type naiveSideRecord struct {
	row     sql.Row // the side's scan row
	off, ts int64
	key     sql.Value
	index   int   // in the feed
	arrival int64 // the stream time once it came
	closes  int64 // the stream time past which its window is closed
	matched bool
}

// naiveWindowJoin: stream time is the latest event time of either stream
// so far (retracted records included); a record's window closes once
// stream time passes its time + how far the other side may be (after for
// a left record, before for a right one) + grace. The output is every
// pair of surviving left and right records with equal non-NULL keys whose
// times are within the window (the right's time in [left-before,
// left+after]) and where the one that came first was still open when the
// other came (so neither came closed); and, for an outer side, every
// surviving record that did not come closed, has no such partner, and
// whose window has closed by the end.
func naiveWindowJoin(t testing.TB, qp *sql.QueryPlan, feed []Record, survivor map[int]bool) []kept {
	j := qp.Joins[0]
	grace := int64(24 * 60 * 60 * 1000)
	if j.HasGrace {
		grace = j.Grace
	}
	reach := [2]int64{j.After, j.Before}
	scans := [2]*sql.Scan{qp.From, j.Right}
	var sides [2][]*naiveSideRecord
	streamTime := int64(math.MinInt64)
	offsets := map[string]int64{}
	for i, r := range feed {
		off := offsets[r.Topic]
		offsets[r.Topic]++
		for side, scan := range scans {
			if r.Topic != scan.Source.Topic || r.Value == nil {
				continue
			}
			rec := naiveSide(t, qp, side, r, off)
			streamTime = max(streamTime, rec.ts)
			rec.index, rec.arrival, rec.closes = i, streamTime, rec.ts+reach[side]+grace
			if survivor[i] && rec.closes >= rec.arrival {
				sides[side] = append(sides[side], rec)
			}
		}
	}
	var rows []kept
	for _, l := range sides[0] {
		for _, r := range sides[1] {
			first, second := l, r
			if r.index < l.index {
				first, second = r, l
			}
			if l.key == nil || r.key == nil || fmt.Sprint(l.key) != fmt.Sprint(r.key) || r.ts < l.ts-j.Before || r.ts > l.ts+j.After ||
				first.closes < second.arrival {
				continue
			}
			l.matched, r.matched = true, true
			rows = appendPassing(t, qp, rows, naiveJoined(qp, l.row, r.row), l.off)
		}
	}
	outer := [2]bool{j.Kind == sql.JoinLeft || j.Kind == sql.JoinFull, j.Kind == sql.JoinRight || j.Kind == sql.JoinFull}
	for side := range 2 {
		for _, rec := range sides[side] {
			if !outer[side] || rec.matched || streamTime <= rec.closes {
				continue
			}
			row := naiveJoined(qp, rec.row, nil)
			if side == 1 {
				row = naiveJoined(qp, nil, rec.row)
			}
			rows = appendPassing(t, qp, rows, row, rec.off)
		}
	}
	return rows
}

func naiveSide(t testing.TB, qp *sql.QueryPlan, side int, r Record, off int64) *naiveSideRecord {
	scan := qp.From
	if side == 1 {
		scan = qp.Joins[0].Right
	}
	v, err := sql.DecodeJSON(scan.Source.Schema, r.Value)
	if err != nil {
		t.Fatal(err)
	}
	row := scan.Assemble(sql.Row{string(r.Key)}, v, sql.RecordMeta{Timestamp: r.Timestamp, Offset: off})
	rec := &naiveSideRecord{row: row, off: off, ts: scan.EventTime(row)}
	if side == 0 {
		rec.key = mustEval(t, []*sql.CompiledExpr{qp.Joins[0].LeftKey}, naiveJoined(qp, row, nil))[0]
	} else {
		rec.key = mustEval(t, []*sql.CompiledExpr{qp.Joins[0].RightKey}, naiveJoined(qp, nil, row))[0]
	}
	return rec
}

// naiveTableJoin: the join of the two tables' final contents: each left
// row with the right row whose key is its join expression's value (its
// own key, or a foreign key).
func naiveTableJoin(t testing.TB, qp *sql.QueryPlan, feed []Record) []kept {
	j := qp.Joins[0]
	scans := [2]*sql.Scan{qp.From, j.Right}
	var tables [2]map[string]kept
	for side := range tables {
		tables[side] = map[string]kept{}
	}
	offsets := map[string]int64{}
	for _, r := range feed {
		off := offsets[r.Topic]
		offsets[r.Topic]++
		for side, scan := range scans {
			if r.Topic != scan.Source.Topic {
				continue
			}
			if r.Value == nil {
				delete(tables[side], string(r.Key))
				continue
			}
			v, err := sql.DecodeJSON(scan.Source.Schema, r.Value)
			if err != nil {
				t.Fatal(err)
			}
			tables[side][string(r.Key)] = kept{scan.Assemble(sql.Row{string(r.Key)}, v, sql.RecordMeta{Timestamp: r.Timestamp, Offset: off}), off}
		}
	}
	var rows []kept
	for _, l := range tables[0] {
		fk := mustEval(t, []*sql.CompiledExpr{j.LeftKey}, naiveJoined(qp, l.row, nil))[0]
		r, ok := tables[1][fmt.Sprint(fk)]
		if fk == nil || !ok {
			r = kept{}
		}
		if r.row == nil && j.Kind == sql.JoinInner {
			continue
		}
		rows = appendPassing(t, qp, rows, naiveJoined(qp, l.row, r.row), l.seq)
	}
	return rows
}

// naiveJoined lays two scan rows (nil: NULLs) out as the joined row.
func naiveJoined(qp *sql.QueryPlan, left, right sql.Row) sql.Row {
	row := make(sql.Row, qp.InputWidth)
	copy(row[qp.From.Offset:], left)
	copy(row[qp.Joins[0].Right.Offset:], right)
	return row
}

func appendPassing(t testing.TB, qp *sql.QueryPlan, rows []kept, row sql.Row, seq int64) []kept {
	if !passes(t, qp.Where, row) {
		return rows
	}
	return append(rows, kept{row, seq})
}
