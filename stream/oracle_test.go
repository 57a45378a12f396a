package stream

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"testing"

	"github.com/chaintap/chaintap/internal/testseed"
	"github.com/chaintap/chaintap/sql"
)

// The oracle test: every operator, over random inputs with reorgs
// (retractions, and records re-included after a retraction) injected,
// must end with exactly what a straightforward recomputation over the
// final canonical input gives. Set CHAINTAP_SEED to replay a run.
var oracleQueries = []struct{ name, sql string }{
	{"filter and project", `CREATE STREAM o AS SELECT id, v * 2 AS v2, UCASE(s) AS su, d FROM ev WHERE v > 10 EMIT CHANGES;`},
	{"partition by", `CREATE STREAM o AS SELECT g, id, v FROM ev PARTITION BY g EMIT CHANGES;`},
	{"count sum avg min max", `CREATE TABLE o AS SELECT g, COUNT(*) AS n, COUNT(s) AS ns, SUM(v) AS sv, SUM(d) AS sd, AVG(v) AS av, MIN(v) AS mn, MAX(s) AS mx FROM ev GROUP BY g EMIT CHANGES;`},
	{"by offset, distinct, set", `CREATE TABLE o AS SELECT g, LATEST_BY_OFFSET(v) AS lv, EARLIEST_BY_OFFSET(s) AS es, COUNT_DISTINCT(s) AS cd, COLLECT_SET(s) AS cs FROM ev GROUP BY g EMIT CHANGES;`},
	{"group by the key", `CREATE TABLE o AS SELECT id, COUNT(*) AS n, LATEST_BY_OFFSET(v) AS lv FROM ev GROUP BY id EMIT CHANGES;`},
	{"having", `CREATE TABLE o AS SELECT g, COUNT(*) AS n, SUM(v) AS sv FROM ev GROUP BY g HAVING COUNT(*) > 2 EMIT CHANGES;`},
	{"where and expression group", `CREATE TABLE o AS SELECT UCASE(s) AS su, MAX(v) AS mx FROM ev WHERE s IS NOT NULL GROUP BY UCASE(s) EMIT CHANGES;`},
	{"tumbling window", `CREATE TABLE o AS SELECT g, COUNT(*) AS n, SUM(v) AS sv, WINDOWSTART AS ws, WINDOWEND AS we FROM ev WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY g EMIT CHANGES;`},
	{"hopping window", `CREATE TABLE o AS SELECT g, COUNT(*) AS n, MIN(v) AS mn FROM ev WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 5 SECONDS) GROUP BY g EMIT CHANGES;`},
	{"left join", `CREATE STREAM o AS SELECT ev.k, ev.id, ev.v, tb.name, tb.w FROM ev LEFT JOIN tb ON ev.k = tb.k EMIT CHANGES;`},
	{"inner join", `CREATE STREAM o AS SELECT ev.k, ev.id, ev.v * tb.w AS vw FROM ev JOIN tb ON ev.k = tb.k WHERE tb.w > 1 EMIT CHANGES;`},
	{"join then aggregate", `CREATE TABLE o AS SELECT tb.name, COUNT(*) AS n, SUM(ev.v * tb.w) AS total FROM ev JOIN tb ON ev.k = tb.k GROUP BY tb.name EMIT CHANGES;`},
	{"table filter", `CREATE TABLE o AS SELECT k, name, w FROM tb WHERE w > 3 EMIT CHANGES;`},
	{"table aggregate", `CREATE TABLE o AS SELECT name, COUNT(*) AS n, SUM(w) AS sw FROM tb GROUP BY name EMIT CHANGES;`},
	{"table-table inner join", `CREATE TABLE o AS SELECT tb.k, tb.name, tb2.label, tb.w * tb2.z AS wz FROM tb JOIN tb2 ON tb.k = tb2.k WHERE tb2.z <> 2 EMIT CHANGES;`},
	{"table-table left join", `CREATE TABLE o AS SELECT tb.k, tb.name, tb.w, tb2.label, tb2.z FROM tb LEFT JOIN tb2 ON tb.k = tb2.k EMIT CHANGES;`},
	{"table-table join then aggregate", `CREATE TABLE o AS SELECT tb2.label, COUNT(*) AS n, SUM(tb.w * tb2.z) AS s FROM tb JOIN tb2 ON tb.k = tb2.k GROUP BY tb2.label EMIT CHANGES;`},
	{"foreign-key left join", `CREATE TABLE o AS SELECT tb2.k, tb2.label, tb2.z, tb.name, tb.w FROM tb2 LEFT JOIN tb ON tb2.label = tb.k EMIT CHANGES;`},
	{"foreign-key inner join", `CREATE TABLE o AS SELECT tb2.k, tb.name, tb2.z * tb.w AS zw FROM tb2 JOIN tb ON tb2.label = tb.k WHERE tb.w > 0 EMIT CHANGES;`},
	{"stream-stream inner join", `CREATE STREAM o AS SELECT ev.k, ev.id, ev2.id AS id2, ev.v + ev2.x AS vx FROM ev JOIN ev2 WITHIN 10 SECONDS ON ev.k = ev2.k EMIT CHANGES;`},
	{"stream-stream left join", `CREATE STREAM o AS SELECT ev.k, ev.id, ev2.id AS id2, ev2.x FROM ev LEFT JOIN ev2 WITHIN (3 SECONDS, 8 SECONDS) GRACE PERIOD 2 SECONDS ON ev.k = ev2.k WHERE ev.v > 0 EMIT CHANGES;`},
	{"stream-stream full join", `CREATE STREAM o AS SELECT ev.k, ev.id, ev2.id AS id2, ev.v, ev2.x FROM ev FULL OUTER JOIN ev2 WITHIN (6 SECONDS, 2 SECONDS) GRACE PERIOD 1 SECOND ON ev.k = ev2.k EMIT CHANGES;`},
	{"stream-stream join, windowed aggregate", `CREATE TABLE o AS SELECT ev.k, COUNT(*) AS n, COUNT(ev2.id) AS m, SUM(ev2.x) AS sx FROM ev LEFT JOIN ev2 WITHIN 4 SECONDS GRACE PERIOD 2 SECONDS ON ev.k = ev2.k WINDOW TUMBLING (SIZE 5 SECONDS) GROUP BY ev.k EMIT CHANGES;`},
	{"stream-stream join then aggregate", `CREATE TABLE o AS SELECT ev.g, COUNT(*) AS n, SUM(ev2.x) AS sx, COUNT(ev2.id) AS m FROM ev LEFT JOIN ev2 WITHIN 5 SECONDS GRACE PERIOD 3 SECONDS ON ev.k = ev2.k GROUP BY ev.g EMIT CHANGES;`},
	{"emit final tumbling", `CREATE TABLE o AS SELECT g, COUNT(*) AS n, SUM(v) AS sv, LATEST_BY_OFFSET(s) AS ls, WINDOWSTART AS ws, WINDOWEND AS we FROM ev WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 3 SECONDS) GROUP BY g EMIT FINAL;`},
	{"emit final hopping", `CREATE TABLE o AS SELECT g, COUNT(*) AS n, MIN(v) AS mn, COLLECT_SET(s) AS cs FROM ev WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 4 SECONDS, GRACE PERIOD 2 SECONDS) WHERE v > 0 GROUP BY g HAVING COUNT(*) > 1 EMIT FINAL;`},
	{"emit final on the key", `CREATE TABLE o AS SELECT id, COUNT(*) AS n, LATEST_BY_OFFSET(v) AS lv FROM ev WINDOW TUMBLING (SIZE 5 SECONDS, GRACE PERIOD 1 SECOND) GROUP BY id EMIT FINAL;`},
	{"emit final, default grace", `CREATE TABLE o AS SELECT k, COUNT(*) AS n, MAX(v) AS mx FROM ev WINDOW TUMBLING (SIZE 20 SECONDS) GROUP BY k EMIT FINAL;`},
	{"emit final after a join", `CREATE TABLE o AS SELECT tb.name, COUNT(*) AS n, SUM(ev.v * tb.w) AS total FROM ev JOIN tb ON ev.k = tb.k WINDOW HOPPING (SIZE 6 SECONDS, ADVANCE BY 3 SECONDS, GRACE PERIOD 0 SECONDS) GROUP BY tb.name EMIT FINAL;`},
}

func TestOracle(t *testing.T) {
	seed := testseed.Seed(t)
	scenarios := 200
	if testing.Short() {
		scenarios = 30
	}
	for qi, q := range oracleQueries {
		t.Run(q.name, func(t *testing.T) {
			qp, stages := compileQuery(t, q.sql)
			rng := rand.New(rand.NewPCG(seed, uint64(qi)))
			for i := range scenarios {
				feed := genFeed(rng, 10+rng.IntN(120), readsWide(qp))
				if qp.Emit == sql.EmitFinal {
					feed = finalFeed(rng, feed)
				}
				run := newMemRun(t, stages)
				for _, r := range feed {
					run.feed(r)
				}
				for _, o := range run.out {
					if o.Topic == ErrorsTopic("Q") {
						t.Fatalf("scenario %d: a record went to the errors topic: %s", i, o.Value)
					}
				}
				got := fold(t, run.out, qp.Sink.Topic, qp.ResultKind == sql.Table)
				want := recompute(t, qp, feed)
				if d := diff(got, want); d != "" {
					t.Fatalf("scenario %d (seed %d): the engine's %s differs from the recomputation over the canonical input:\n%s\nfeed:\n%s",
						i, seed, qp.Sink.Topic, d, describeFeed(feed))
				}
			}
		})
	}
}

// genFeed makes a random history: new events, retractions of live ones
// (a reorg orphaned their block), events re-included after a retraction
// under the same key with new values (the replacement block), and table
// upserts and deletes in between. With wide, the events and the table
// changes are spread over two streams (ev, ev2) and two tables (tb, tb2),
// for the joins of two streams or two tables, and a third of the events
// come out of time order (up to 8 s early); without, the feed is what it
// always was (the same random draws).
func genFeed(rng *rand.Rand, n int, wide bool) []Record {
	type feedStream struct {
		topic, prefix string
		gone          []string
		next          int
	}
	type liveRecord struct {
		s   *feedStream
		key string
	}
	streams := []*feedStream{{topic: "ev", prefix: "x"}, {topic: "ev2", prefix: "y"}}
	var feed []Record
	var live []liveRecord
	ts := int64(1_700_000_000_000)
	for range n {
		ts += int64(rng.IntN(2500))
		switch x := rng.IntN(20); {
		case x < 11 || len(live) == 0:
			s := streams[0]
			if wide && rng.IntN(2) == 0 {
				s = streams[1]
			}
			key := fmt.Sprintf("%s%d", s.prefix, s.next)
			if len(s.gone) > 0 && rng.IntN(4) == 0 {
				i := rng.IntN(len(s.gone))
				key = s.gone[i]
				s.gone = append(s.gone[:i], s.gone[i+1:]...)
			} else {
				s.next++
			}
			live = append(live, liveRecord{s, key})
			at := ts
			if wide && rng.IntN(3) == 0 {
				at -= int64(rng.IntN(8000)) // out of order, maybe too late to join
			}
			value := eventJSON(rng, at)
			if s.topic == "ev2" {
				value = event2JSON(rng, at)
			}
			feed = append(feed, Record{Topic: s.topic, Key: []byte(key), Value: value, Timestamp: at,
				Headers: []Header{{Key: HeaderOp, Value: opUpsert}}})
		case x < 15:
			i := rng.IntN(len(live))
			lr := live[i]
			live = append(live[:i], live[i+1:]...)
			lr.s.gone = append(lr.s.gone, lr.key)
			feed = append(feed, Record{Topic: lr.s.topic, Key: []byte(lr.key), Timestamp: ts, Headers: []Header{{Key: HeaderOp, Value: opRetract}}})
		default:
			feed = append(feed, tableChange(rng, ts, wide && rng.IntN(2) == 0))
		}
	}
	return feed
}

// tableChange is an upsert or a delete of tb (or tb2 when second).
func tableChange(rng *rand.Rand, ts int64, second bool) Record {
	key := []byte(fmt.Sprintf("k%d", rng.IntN(4)))
	var v []byte
	if rng.IntN(5) > 0 {
		v = []byte(fmt.Sprintf(`{"name":"n%d","w":%d}`, rng.IntN(3), rng.IntN(6)))
		if second {
			// label is a foreign key into tb (k4: a key tb never has).
			v = []byte(fmt.Sprintf(`{"label":"k%d","z":%d}`, rng.IntN(5), rng.IntN(6)))
		}
	}
	topic := "tb"
	if second {
		topic = "tb2"
	}
	return Record{Topic: topic, Key: key, Value: v, Timestamp: ts}
}

// event2JSON is an ev2 value: its join key takes fewer values than ev's,
// so that some ev records never find a partner.
func event2JSON(rng *rand.Rand, ts int64) []byte {
	x := strconv.Itoa(rng.IntN(20))
	if rng.IntN(10) == 0 {
		x = "null"
	}
	return []byte(fmt.Sprintf(`{"k":"k%d","x":%s,"ts":%d}`, rng.IntN(3), x, ts))
}

// readsWide reports whether a query reads the second stream or table.
func readsWide(qp *sql.QueryPlan) bool {
	for _, topic := range []string{"ev2", "tb2"} {
		if qp.From.Source.Topic == topic {
			return true
		}
		for _, j := range qp.Joins {
			if j.Right.Source.Topic == topic {
				return true
			}
		}
	}
	return false
}

func eventJSON(rng *rand.Rand, ts int64) []byte {
	s := fmt.Sprintf(`,"s":"%c"`, 'p'+rng.IntN(4))
	if rng.IntN(8) == 0 {
		s = "" // NULL
	}
	v := strconv.Itoa(rng.IntN(36) - 5)
	if rng.IntN(10) == 0 {
		v = "null"
	}
	// A uint256-sized amount, as the follower writes it: a JSON string.
	d := fmt.Sprintf("%d%070d", 1+rng.IntN(9), rng.IntN(1000))
	return []byte(fmt.Sprintf(`{"g":"%c","v":%s,"d":"%s"%s,"k":"k%d","ts":%d}`, 'a'+rng.IntN(4), v, d, s, rng.IntN(5), ts))
}

func describeFeed(feed []Record) string {
	out := ""
	for i, r := range feed {
		out += fmt.Sprintf("  %d %s %s %s %s\n", i, r.Topic, r.Key, headerOf(r.Headers, HeaderOp), r.Value)
	}
	return out
}

// recompute is the oracle: the query evaluated from scratch over the
// canonical input (the events no retraction removed; the table as each
// event met it), with fresh aggregates fed only what survived. It shares
// the compiled expressions and the codecs with the engine, nothing of its
// state, retraction or windowing code.
func recompute(t testing.TB, qp *sql.QueryPlan, feed []Record) map[string]int {
	t.Helper()
	if qp.Emit == sql.EmitFinal {
		return naiveFinal(t, qp, feed)
	}
	rows := naiveRows(t, qp, feed)
	out := map[string]int{}
	if qp.Aggregate == nil {
		for _, k := range rows {
			o := mustEval(t, qp.Project, k.row)
			out[fmt.Sprintf("%q=%s", outKey(t, qp, o, 0, false), sql.AppendJSON(nil, qp.Output, o))]++
		}
		return out
	}
	return naiveAggregate(t, qp, rows)
}

// kept is a row of the canonical input (after joins and WHERE) and its
// position.
type kept struct {
	row sql.Row
	seq int64
}

// survivors are the indexes of the stream upserts that no retraction
// removes.
func survivors(feed []Record) map[int]bool {
	survivor := map[int]bool{}
	liveAt := map[string]int{}
	for i, r := range feed {
		if r.Topic != "ev" && r.Topic != "ev2" {
			continue
		}
		id := r.Topic + "/" + string(r.Key)
		if r.Value == nil {
			delete(survivor, liveAt[id])
			continue
		}
		liveAt[id] = i
		survivor[i] = true
	}
	return survivor
}

// naiveRows is the query's input rows over the canonical input.
func naiveRows(t testing.TB, qp *sql.QueryPlan, feed []Record) []kept {
	if len(qp.Joins) == 1 && qp.Joins[0].Type == sql.StreamStream {
		return naiveWindowJoin(t, qp, feed, survivors(feed))
	}
	if len(qp.Joins) == 1 && qp.Joins[0].Type == sql.TableTable {
		return naiveTableJoin(t, qp, feed)
	}
	var rows []kept
	table := map[string]sql.Row{}
	tableSeq := map[string]int64{}
	offsets := map[string]int64{}
	survivor := survivors(feed)
	tbSrc := sourceOf(qp, "tb")
	for i, r := range feed {
		off := offsets[r.Topic]
		offsets[r.Topic]++
		switch {
		case r.Topic == "tb":
			if r.Value == nil {
				delete(table, string(r.Key))
				continue
			}
			v, err := sql.DecodeJSON(tbSrc.Schema, r.Value)
			if err != nil {
				t.Fatal(err)
			}
			table[string(r.Key)] = append(sql.Row{string(r.Key)}, v[1:]...)
			tableSeq[string(r.Key)] = off
		case survivor[i] && qp.From.Source.Topic == "ev":
			row := naiveRow(t, qp, r, off, table)
			if row != nil {
				rows = append(rows, kept{row, off})
			}
		}
	}
	if qp.From.Source.Topic == "tb" {
		for k, tr := range table {
			row := qp.From.Assemble(sql.Row{k}, append(sql.Row(nil), tr...), sql.RecordMeta{Offset: tableSeq[k]})
			if passes(t, qp.Where, row) {
				rows = append(rows, kept{row, tableSeq[k]})
			}
		}
	}
	return rows
}

// naiveAggregate groups and aggregates the rows from scratch.
func naiveAggregate(t testing.TB, qp *sql.QueryPlan, rows []kept) map[string]int {
	return naiveAggregateIn(t, qp, rows, func(k kept) []int64 { return naiveWindows(qp.Aggregate.Window, eventTimeOf(qp, k.row)) })
}

// naiveAggregateIn is naiveAggregate with each row counted in the windows
// windows gives (of a windowed aggregation).
func naiveAggregateIn(t testing.TB, qp *sql.QueryPlan, rows []kept, windows func(kept) []int64) map[string]int {
	out := map[string]int{}
	a := qp.Aggregate
	type group struct {
		vals  sql.Row
		start int64
		rows  []kept
	}
	groups := map[string]*group{}
	for _, k := range rows {
		vals := mustEval(t, a.GroupBy, k.row)
		starts := []int64{0}
		if a.Window != nil {
			starts = windows(k)
		}
		for _, s := range starts {
			id := fmt.Sprint(vals, "@", s)
			if groups[id] == nil {
				groups[id] = &group{vals: vals, start: s}
			}
			groups[id].rows = append(groups[id].rows, k)
		}
	}
	for _, g := range groups {
		sort.Slice(g.rows, func(i, j int) bool { return g.rows[i].seq < g.rows[j].seq })
		aggRow := append(sql.Row(nil), g.vals...)
		for _, call := range a.Aggregates {
			acc := call.NewAccumulator()
			for _, k := range g.rows {
				var arg sql.Value
				if call.Arg != nil {
					arg = mustEval(t, []*sql.CompiledExpr{call.Arg}, k.row)[0]
				}
				if err := acc.Add(arg, k.seq); err != nil {
					t.Fatal(err)
				}
			}
			aggRow = append(aggRow, acc.Result())
		}
		if a.Window != nil {
			aggRow = append(aggRow, g.start, g.start+a.Window.Size)
		} else {
			aggRow = append(aggRow, nil, nil)
		}
		if !passes(t, qp.Having, aggRow) {
			continue
		}
		o := mustEval(t, qp.Project, aggRow)
		out[fmt.Sprintf("%q=%s", outKey(t, qp, o, g.start, a.Window != nil), sql.AppendJSON(nil, qp.Output, o))]++
	}
	return out
}

// naiveRow is an event's row joined with the table as it is, nil when an
// inner join or WHERE drops it.
func naiveRow(t testing.TB, qp *sql.QueryPlan, r Record, off int64, table map[string]sql.Row) sql.Row {
	v, err := sql.DecodeJSON(qp.From.Source.Schema, r.Value)
	if err != nil {
		t.Fatal(err)
	}
	row := qp.From.Assemble(sql.Row{string(r.Key)}, v, sql.RecordMeta{Timestamp: r.Timestamp, Offset: off})
	if len(qp.Joins) > 0 {
		joined := make(sql.Row, qp.InputWidth)
		copy(joined, row)
		for _, j := range qp.Joins {
			k := mustEval(t, []*sql.CompiledExpr{j.LeftKey}, joined)[0]
			tr, ok := table[fmt.Sprint(k)]
			if !ok || k == nil {
				if j.Kind == sql.JoinInner {
					return nil
				}
				continue
			}
			copy(joined[j.Right.Offset:], j.Right.Assemble(sql.Row{tr[0]}, append(sql.Row(nil), tr...), sql.RecordMeta{}))
		}
		row = joined
	}
	if !passes(t, qp.Where, row) {
		return nil
	}
	return row
}

func sourceOf(qp *sql.QueryPlan, topic string) *sql.Source {
	if qp.From.Source.Topic == topic {
		return qp.From.Source
	}
	for _, j := range qp.Joins {
		if j.Right.Source.Topic == topic {
			return j.Right.Source
		}
	}
	return &sql.Source{Schema: &sql.Schema{Columns: []sql.Column{{Name: "K", Type: sql.TypeString, Key: true}, {Name: "NAME", Type: sql.TypeString}, {Name: "W", Type: sql.TypeBigint}}}}
}

func naiveWindows(w *sql.WindowSpec, ts int64) []int64 {
	step := w.Size
	if w.Kind == sql.WindowHopping {
		step = w.Advance
	}
	var out []int64
	for s := (ts/step - w.Size/step - 2) * step; s <= ts; s += step {
		if s <= ts && ts < s+w.Size {
			out = append(out, s)
		}
	}
	return out
}

func eventTimeOf(qp *sql.QueryPlan, row sql.Row) int64 {
	if len(qp.Joins) == 1 && qp.Joins[0].Type != sql.StreamTable {
		// A two-sided join's row: the latest of its records' times.
		latest := int64(math.MinInt64)
		for _, s := range []*sql.Scan{qp.From, qp.Joins[0].Right} {
			if v, ok := row[s.Offset+len(s.Source.Schema.Columns)+sql.PseudoRowtime].(int64); ok {
				latest = max(latest, v)
			}
		}
		return latest
	}
	v := row[qp.From.Offset+qp.From.TimestampColumn]
	if qp.From.TimestampColumn < 0 {
		v = row[qp.From.Offset+len(qp.From.Source.Schema.Columns)+sql.PseudoRowtime]
	}
	return v.(int64)
}

func passes(t testing.TB, e *sql.CompiledExpr, row sql.Row) bool {
	if e == nil {
		return true
	}
	v, err := e.Eval(row)
	if err != nil {
		t.Fatal(err)
	}
	return v == true
}

func mustEval(t testing.TB, exprs []*sql.CompiledExpr, row sql.Row) sql.Row {
	out := make(sql.Row, len(exprs))
	for i, e := range exprs {
		v, err := e.Eval(row)
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		out[i] = v
	}
	return out
}

func outKey(t testing.TB, qp *sql.QueryPlan, out sql.Row, start int64, windowed bool) []byte {
	var cols []sql.Column
	var vals sql.Row
	for i, c := range qp.Output.Columns {
		if c.Key {
			cols, vals = append(cols, c), append(vals, out[i])
		}
	}
	k, err := sql.EncodeKey(qp.Sink.KeyFormat, cols, vals)
	if err != nil {
		t.Fatal(err)
	}
	if windowed {
		k = sql.AppendTimeWindowedKey(nil, k, start)
	}
	return k
}
