package stream

import (
	"context"
	"testing"

	"github.com/chaintap/chaintap/sql"
)

// TestLatestFollowsTheChain: on a chain stream LATEST_BY_OFFSET means
// latest on the chain (block number, then index), whatever order the
// records arrive in (records of one group come from several partitions),
// and a derived stream carries that position on to the query reading it.
func TestLatestFollowsTheChain(t *testing.T) {
	const ddl = `CREATE STREAM ch (id VARCHAR KEY, grp VARCHAR, v BIGINT, block_number BIGINT, log_index BIGINT)
  WITH (KAFKA_TOPIC='ch', VALUE_FORMAT='JSON');
CREATE STREAM mid AS SELECT id, grp, v FROM ch EMIT CHANGES;
CREATE TABLE o AS SELECT grp, LATEST_BY_OFFSET(v) AS lv, EARLIEST_BY_OFFSET(v) AS ev FROM mid GROUP BY grp EMIT CHANGES;`
	sts, err := sql.Parse(ddl)
	if err != nil {
		t.Fatal(err)
	}
	plans, err := sql.AnalyzeAll(sts, sql.MapCatalog{})
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{
		Retracting:    func(topic string) bool { return topic == "ch" || topic == "MID" },
		ChainPosition: func(topic string) (string, string, bool) { return "BLOCK_NUMBER", "LOG_INDEX", topic == "ch" },
	}
	var stages []Query
	for i, p := range plans[1:] {
		qs, err := Compile([]string{"MID", "O"}[i], p.(*sql.QueryPlan), opts)
		if err != nil {
			t.Fatal(err)
		}
		stages = append(stages, qs...)
	}
	got := map[string]string{}
	local := NewLocal(stages, func(o Output) {
		if o.Topic == "O" {
			got[string(o.Key)] = string(o.Value)
		}
	})
	// Arrival order (offsets) is not chain order: block 9 arrives first.
	for i, rec := range []struct{ key, value string }{
		{"c", `{"grp":"g","v":3,"block_number":9,"log_index":0}`},
		{"a", `{"grp":"g","v":1,"block_number":5,"log_index":2}`},
		{"b", `{"grp":"g","v":2,"block_number":7,"log_index":1}`},
	} {
		r := Record{Topic: "ch", Offset: int64(i), Key: []byte(rec.key), Value: []byte(rec.value), Headers: []Header{{Key: HeaderOp, Value: opUpsert}}}
		if err := local.Feed(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	if got["g"] != `{"LV":3,"EV":1}` {
		t.Fatalf("after three records: %s, want the block-9 value latest and the block-5 one earliest", got["g"])
	}
	// A reorg retracts block 9's record: latest steps back to block 7's.
	if err := local.Feed(context.Background(), Record{Topic: "ch", Offset: 3, Key: []byte("c"), Headers: []Header{{Key: HeaderOp, Value: opRetract}}}); err != nil {
		t.Fatal(err)
	}
	if got["g"] != `{"LV":2,"EV":1}` {
		t.Fatalf("after the retraction: %s", got["g"])
	}
}
