package sql

import (
	"testing"
)

// The hot path's target is ≥200k events/s for a whole aggregation
// pipeline on 2 cores, so each step here must cost well under a few µs.

func BenchmarkDecodeJSON(b *testing.B) {
	dec := NewRowDecoder(eventsSchema())
	doc := []byte(eventJSON)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := dec.Decode(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeJSON(b *testing.B) {
	schema := eventsSchema()
	row, err := DecodeJSON(schema, []byte(eventJSON))
	if err != nil {
		b.Fatal(err)
	}
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendJSON(buf[:0], schema, row)
	}
}

// eventsQuery plans a filter-and-project over the chain events stream.
func eventsQuery(b *testing.B, sql string) (*QueryPlan, Row) {
	b.Helper()
	qp := planOf(b, chainCatalog(b), sql)
	dec := NewRowDecoder(qp.From.Source.Schema)
	value, err := dec.Decode([]byte(eventJSON))
	if err != nil {
		b.Fatal(err)
	}
	row := qp.From.Assemble(Row{"0xdef:0"}, value, RecordMeta{Timestamp: 1700000000000, Partition: 0, Offset: 42})
	return qp, row
}

func BenchmarkEvalFilterProject(b *testing.B) {
	qp, row := eventsQuery(b, `SELECT args->battery AS battery, args->chargeCycles AS cycles, block_number,
		UCASE(contract) AS contract FROM devchain_events
		WHERE event = 'ChargeRecorded' AND block_number > 10 AND args->chargeCycles > 0 EMIT CHANGES`)
	out := make(Row, len(qp.Project))
	b.ReportAllocs()
	for b.Loop() {
		ok, err := qp.Where.Eval(row)
		if err != nil || ok != true {
			b.Fatal(ok, err)
		}
		for i, e := range qp.Project {
			if out[i], err = e.Eval(row); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkAggregateAdd: evaluate the group key and the arguments, find the
// group (a map, as an in-memory cache in front of the store would) and add
// to each accumulator.
func BenchmarkAggregateAdd(b *testing.B) {
	qp, row := eventsQuery(b, `SELECT args->battery AS battery, COUNT(*) AS n, SUM(args->chargeCycles) AS total,
		LATEST_BY_OFFSET(block_number) AS last_block FROM devchain_events GROUP BY args->battery EMIT CHANGES`)
	batteries := []string{"0x01", "0x02", "0x03", "0x04", "0x05", "0x06", "0x07", "0x08"}
	rows := make([]Row, len(batteries))
	for i, bat := range batteries {
		r := append(Row(nil), row...)
		args := append(Struct(nil), r[9].(Struct)...)
		args[0] = bat
		r[9] = args
		rows[i] = r
	}
	groups := map[string][]Accumulator{}
	agg := qp.Aggregate
	var seq int64
	b.ReportAllocs()
	for b.Loop() {
		seq++
		r := rows[seq%int64(len(rows))]
		if err := addToGroup(agg, groups, r, seq); err != nil {
			b.Fatal(err)
		}
		if seq%1024 == 0 { // keep LATEST_BY_OFFSET state bounded as a runtime would
			for _, accs := range groups {
				accs[2].(Compactor).Compact(seq)
			}
		}
	}
}

func addToGroup(agg *AggregateStep, groups map[string][]Accumulator, r Row, seq int64) error {
	k, err := agg.GroupBy[0].Eval(r)
	if err != nil {
		return err
	}
	accs, ok := groups[k.(string)]
	if !ok {
		for _, c := range agg.Aggregates {
			accs = append(accs, c.NewAccumulator())
		}
		groups[k.(string)] = accs
	}
	for i, c := range agg.Aggregates {
		v, err := c.Arg.Eval(r)
		if err != nil {
			return err
		}
		if err := accs[i].Add(v, seq); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkPipeline is decode + assemble + filter + group + aggregate +
// marshal the group's state (what goes to the store/changelog), per record.
func BenchmarkPipeline(b *testing.B) {
	qp, _ := eventsQuery(b, `SELECT args->battery AS battery, COUNT(*) AS n, SUM(args->chargeCycles) AS total
		FROM devchain_events WHERE event = 'ChargeRecorded' GROUP BY args->battery EMIT CHANGES`)
	dec := NewRowDecoder(qp.From.Source.Schema)
	doc := []byte(eventJSON)
	groups := map[string][]Accumulator{}
	var seq int64
	b.ReportAllocs()
	for b.Loop() {
		seq++
		value, err := dec.Decode(doc)
		if err != nil {
			b.Fatal(err)
		}
		row := qp.From.Assemble(Row{"0xdef:0"}, value, RecordMeta{Timestamp: 1700000000000, Offset: seq})
		if ok, _ := qp.Where.Eval(row); ok != true {
			b.Fatal("filtered out")
		}
		if err := addToGroup(qp.Aggregate, groups, row, seq); err != nil {
			b.Fatal(err)
		}
		for _, acc := range groups["0x13e4"] {
			if _, err := acc.MarshalBinary(); err != nil {
				b.Fatal(err)
			}
		}
	}
}
