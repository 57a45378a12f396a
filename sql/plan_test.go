package sql

import (
	"strings"
	"testing"
)

// analyzeOne parses and analyzes the one statement src against cat.
func analyzeOne(t testing.TB, cat Catalog, src string) Plan {
	t.Helper()
	st, err := ParseOne(src)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Analyze(st, cat)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func planOf(t testing.TB, cat Catalog, src string) *QueryPlan {
	t.Helper()
	return analyzeOne(t, cat, src).(*QueryPlan)
}

func TestPlanEnrichmentJoins(t *testing.T) {
	cat := demoCatalog(t)
	p := cat.Source("ENRICHED_TRANSACTIONS")
	if p == nil || p.Kind != Stream {
		t.Fatal("demo did not create ENRICHED_TRANSACTIONS")
	}
	qp := planOf(t, cat, `SELECT t.session_id, t.account, s.name, b.blocked FROM battery_transactions t
		LEFT JOIN charging_stations s ON t.station_id = s.station_id
		LEFT JOIN batterystatus_table b ON t.account = b.account EMIT CHANGES`)
	if len(qp.Joins) != 2 {
		t.Fatalf("%d joins", len(qp.Joins))
	}
	j1, j2 := qp.Joins[0], qp.Joins[1]
	if j1.Type != StreamTable || j1.Kind != JoinLeft || !j1.LeftRekey || j1.Right.Alias != "S" {
		t.Errorf("join 1: %+v", j1)
	}
	if j2.Type != StreamTable || !j2.LeftRekey || j2.Right.Offset != qp.From.Width()+j1.Right.Width() {
		t.Errorf("join 2: %+v", j2)
	}
	if qp.InputWidth != qp.From.Width()+j1.Right.Width()+j2.Right.Width() {
		t.Errorf("input width %d", qp.InputWidth)
	}
	keys := qp.Output.KeyColumns()
	if len(keys) != 1 || keys[0].Name != "ACCOUNT" {
		t.Errorf("output key %v, want ACCOUNT (the last join's key)", keys)
	}
}

func TestPlanAggregateRekeyAndWindow(t *testing.T) {
	cat := demoCatalog(t)
	qp := planOf(t, cat, `SELECT station_id, COUNT(*) AS n, WINDOWSTART AS ws FROM enriched_transactions
		WINDOW HOPPING (SIZE 1 HOUR, ADVANCE BY 10 MINUTES, GRACE PERIOD 1 MINUTE) GROUP BY station_id EMIT FINAL`)
	ag := qp.Aggregate
	if ag == nil || ag.Window == nil || ag.Window.Size != 3_600_000 || ag.Window.Advance != 600_000 || !ag.Window.HasGrace || ag.Window.Grace != 60_000 {
		t.Fatalf("aggregate %+v window %+v", ag, ag.Window)
	}
	if len(qp.Rekey) != 1 {
		t.Errorf("grouping by a non-key column must repartition; rekey %v", qp.Rekey)
	}
	if qp.ResultKind != Table || qp.Emit != EmitFinal {
		t.Errorf("result %v emit %v", qp.ResultKind, qp.Emit)
	}
	// The projection reads the aggregate row: key, COUNT, WINDOWSTART.
	aggRow := Row{"st-1", int64(3), int64(7200000), int64(10800000)}
	for i, want := range []Value{"st-1", int64(3), int64(7200000)} {
		got, err := qp.Project[i].Eval(aggRow)
		if err != nil || !Equal(got, want) {
			t.Errorf("project %d = %v, %v; want %v", i, got, err, want)
		}
	}
	same := planOf(t, cat, `SELECT account, COUNT(*) FROM battery_events GROUP BY account EMIT CHANGES`)
	if same.Rekey != nil {
		t.Errorf("grouping by the key must not repartition: %v", same.Rekey)
	}
}

func TestPlanSinkDefaults(t *testing.T) {
	cat := demoCatalog(t)
	st, _ := ParseOne(`CREATE TABLE per_pair WITH (PARTITIONS=4) AS SELECT account, station_id, COUNT(*) AS n
		FROM battery_transactions GROUP BY account, station_id`)
	p, err := Analyze(st, cat)
	if err != nil {
		t.Fatal(err)
	}
	sink := p.(*QueryPlan).Sink
	if sink.Topic != "PER_PAIR" || sink.KeyFormat != FormatJSON || sink.Partitions != 4 || !sink.Source.Materialized {
		t.Errorf("sink %+v", sink)
	}
	if got := len(sink.Source.Schema.KeyColumns()); got != 2 {
		t.Errorf("%d key columns", got)
	}
}

// TestRunAggregationPipeline runs the demo's latest-state table over a few
// records the way a task would, including a retraction.
func TestRunAggregationPipeline(t *testing.T) {
	cat := demoCatalog(t)
	qp := planOf(t, cat, `SELECT account, LATEST_BY_OFFSET(charge_cycles) AS cycles, COUNT(*) AS n
		FROM battery_events GROUP BY account EMIT CHANGES`)
	dec := NewRowDecoder(qp.From.Source.Schema)
	groups := map[string][]Accumulator{}
	feed := func(key, doc string, off int64, retract bool) {
		value, err := dec.Decode([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		row := qp.From.Assemble(Row{key}, value, RecordMeta{Timestamp: 1, Offset: off})
		k, _ := qp.Aggregate.GroupBy[0].Eval(row)
		accs := groups[k.(string)]
		if accs == nil {
			for _, c := range qp.Aggregate.Aggregates {
				accs = append(accs, c.NewAccumulator())
			}
			groups[k.(string)] = accs
		}
		for i, c := range qp.Aggregate.Aggregates {
			v, _ := c.Arg.Eval(row)
			if retract {
				mustNil(t, accs[i].Retract(v, off))
			} else {
				mustNil(t, accs[i].Add(v, off))
			}
		}
	}
	result := func(key string) string {
		aggRow := Row{key}
		for _, acc := range groups[key] {
			aggRow = append(aggRow, acc.Result())
		}
		aggRow = append(aggRow, nil, nil)
		out := make(Row, len(qp.Project))
		for i, e := range qp.Project {
			out[i], _ = e.Eval(aggRow)
		}
		return string(EncodeJSON(qp.Output, out))
	}
	feed("0xa", `{"charge_cycles": 1}`, 10, false)
	feed("0xa", `{"CHARGE_CYCLES": "2"}`, 11, false)
	feed("0xb", `{"charge_cycles": 5}`, 12, false)
	if got := result("0xa"); got != `{"CYCLES":2,"N":2}` {
		t.Errorf("0xa: %s", got)
	}
	feed("0xa", `{"charge_cycles": 2}`, 11, true) // the block holding offset 11 was orphaned
	if got := result("0xa"); got != `{"CYCLES":1,"N":1}` {
		t.Errorf("0xa after retraction: %s", got)
	}
}

func TestAssembleUsesTimestampColumn(t *testing.T) {
	cat := demoCatalog(t)
	qp := planOf(t, cat, `SELECT session_id, ROWTIME FROM battery_transactions EMIT CHANGES`)
	value, err := DecodeJSON(qp.From.Source.Schema, []byte(`{"ended_at": 1234}`))
	if err != nil {
		t.Fatal(err)
	}
	row := qp.From.Assemble(Row{"s1"}, value, RecordMeta{Timestamp: 99, Partition: 2, Offset: 7})
	if got, _ := qp.Project[1].Eval(row); got != int64(1234) || qp.From.EventTime(row) != 1234 {
		t.Errorf("ROWTIME = %v, want the TIMESTAMP column's 1234", got)
	}
	if got, _ := qp.Project[0].Eval(row); got != "s1" {
		t.Errorf("key column = %v", got)
	}
	// ROWTIME reuses the column's boxed value: assembling allocates only
	// for the offset (the partition is a small number, boxed for free).
	value, _ = DecodeJSON(qp.From.Source.Schema, []byte(`{"ended_at": 1700000000000}`))
	key := Row{"s1"}
	if n := testing.AllocsPerRun(100, func() {
		row = qp.From.Assemble(key, value[:len(value):cap(value)], RecordMeta{Timestamp: 99, Partition: 2, Offset: 70000})
	}); n > 1 {
		t.Errorf("Assemble allocated %v times, want 1", n)
	}
	if got, _ := qp.Project[1].Eval(row); got != int64(1700000000000) {
		t.Errorf("ROWTIME = %v, want the TIMESTAMP column's", got)
	}
	if !strings.Contains(qp.Output.String(), "SESSION_ID STRING KEY") {
		t.Errorf("output %s", qp.Output)
	}
}
