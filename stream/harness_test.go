package stream

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/chaintap/chaintap/sql"
)

// testDDL declares the sources of the operator tests: a stream whose
// records can be retracted (as a chain's head-view topic), and a table;
// and a second of each, for the stream–stream and table–table joins.
const testDDL = `
CREATE STREAM ev (id VARCHAR KEY, g VARCHAR, v BIGINT, d DECIMAL(78,0), s VARCHAR, k VARCHAR, ts BIGINT)
  WITH (KAFKA_TOPIC='ev', VALUE_FORMAT='JSON', PARTITIONS=1, TIMESTAMP='ts');
CREATE TABLE tb (k VARCHAR PRIMARY KEY, name VARCHAR, w BIGINT)
  WITH (KAFKA_TOPIC='tb', VALUE_FORMAT='JSON', PARTITIONS=1);
CREATE STREAM ev2 (id VARCHAR KEY, k VARCHAR, x BIGINT, ts BIGINT)
  WITH (KAFKA_TOPIC='ev2', VALUE_FORMAT='JSON', PARTITIONS=1, TIMESTAMP='ts');
CREATE TABLE tb2 (k VARCHAR PRIMARY KEY, label VARCHAR, z BIGINT)
  WITH (KAFKA_TOPIC='tb2', VALUE_FORMAT='JSON', PARTITIONS=1);
`

// retractingTopic reports the test streams whose records can be retracted.
func retractingTopic(topic string) bool { return topic == "ev" || topic == "ev2" }

// compileQuery analyzes the DDL and one persistent query and compiles it.
func compileQuery(t testing.TB, query string) (*sql.QueryPlan, []Query) {
	t.Helper()
	return compileWith(t, testDDL+query, Options{Retracting: retractingTopic})
}

// compileWith analyzes statements and compiles the last, a persistent
// query.
func compileWith(t testing.TB, statements string, o Options) (*sql.QueryPlan, []Query) {
	t.Helper()
	qp, err := planOf(statements)
	if err != nil {
		t.Fatal(err)
	}
	qs, err := Compile("Q", qp, o)
	if err != nil {
		t.Fatal(err)
	}
	return qp, qs
}

// planOf analyzes statements and returns the plan of the last, a query.
func planOf(statements string) (*sql.QueryPlan, error) {
	sts, err := sql.Parse(statements)
	if err != nil {
		return nil, err
	}
	plans, err := sql.AnalyzeAll(sts, sql.MapCatalog{})
	if err != nil {
		return nil, err
	}
	qp, ok := plans[len(plans)-1].(*sql.QueryPlan)
	if !ok {
		return nil, fmt.Errorf("%s: not a query", statements)
	}
	return qp, nil
}

// memRun feeds a scenario's records to Local with offsets per topic, as
// a partition would have them, and keeps every output.
type memRun struct {
	t       testing.TB
	local   *Local
	offsets map[string]int64
	out     []Output
}

func newMemRun(t testing.TB, stages []Query) *memRun {
	m := &memRun{t: t, offsets: map[string]int64{}}
	m.local = NewLocal(stages, func(o Output) { m.out = append(m.out, o) })
	return m
}

func (m *memRun) feed(r Record) {
	m.t.Helper()
	if !m.local.Reads(r.Topic) {
		return
	}
	r.Offset = m.offsets[r.Topic]
	m.offsets[r.Topic]++
	if err := m.local.Feed(context.Background(), r); err != nil {
		m.t.Fatalf("%s offset %d: %v", r.Topic, r.Offset, err)
	}
}

// fold applies the sink's records in order: for a table, the latest value
// per key (a tombstone deletes); for a stream, the live records (a
// retraction removes the record with its id). The result maps a record to
// how many times it is there.
func fold(t testing.TB, out []Output, sink string, table bool) map[string]int {
	t.Helper()
	if table {
		state := map[string]string{}
		for _, o := range out {
			if o.Topic != sink {
				continue
			}
			if o.Value == nil {
				delete(state, string(o.Key))
			} else {
				state[string(o.Key)] = string(o.Value)
			}
		}
		res := map[string]int{}
		for k, v := range state {
			res[fmt.Sprintf("%q=%s", k, v)]++
		}
		return res
	}
	live := map[string]string{} // id → record
	n := 0
	for _, o := range out {
		if o.Topic != sink {
			continue
		}
		id := string(headerOf(o.Headers, HeaderID))
		if id == "" {
			id = fmt.Sprint("#", n) // not retractable: every record stays
			n++
		}
		if string(headerOf(o.Headers, HeaderOp)) == OpRetract {
			if _, ok := live[id]; !ok {
				t.Fatalf("retraction of %s, which is not live", id)
			}
			delete(live, id)
			continue
		}
		if _, ok := live[id]; ok {
			t.Fatalf("a second live record for input %s", id)
		}
		live[id] = fmt.Sprintf("%q=%s", o.Key, o.Value)
	}
	res := map[string]int{}
	for _, v := range live {
		res[v]++
	}
	return res
}

func headerOf(hs []Header, key string) []byte {
	for _, h := range hs {
		if h.Key == key {
			return h.Value
		}
	}
	return nil
}

func diff(got, want map[string]int) string {
	var lines []string
	for k, n := range want {
		if got[k] != n {
			lines = append(lines, fmt.Sprintf("  want %d× %s, got %d", n, k, got[k]))
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok {
			lines = append(lines, fmt.Sprintf("  unexpected %d× %s", n, k))
		}
	}
	sort.Strings(lines)
	if len(lines) > 12 {
		lines = append(lines[:12], fmt.Sprintf("  … %d more", len(lines)-12))
	}
	return strings.Join(lines, "\n")
}
