package engine

import (
	"testing"
	"time"
)

// TestChainedQueries: a query reading another query's output topic, in
// the same engine, started together before that topic exists (as a
// re-keying query's two stages are), processes everything the first one
// commits.
func TestChainedQueries(t *testing.T) {
	cfg := startBroker(t)
	makeTopic(t, cfg, "chain-in", 2)
	ins := inputs(400, 20, 0)
	produce(t, cfg, "chain-in", ins)
	first := countQuery("first", "chain-in")
	second := countQuery("second", "first-out")
	r := start(t, cfg, "one", t.TempDir(), first, second)
	waitFor(t, 60*time.Second, "the second query to process the first's outputs", func() bool {
		return r.counter(t, "chaintap_engine_records_total") >= 800
	})
}
