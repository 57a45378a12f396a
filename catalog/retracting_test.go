package catalog_test

import (
	"testing"

	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/stream"
)

// TestRetractingFollowsWhatPropagates: a query's output carries
// retractions when its FROM source does; a stream–table join's output does not,
// though its table is retracting (a lookup emits nothing when the table
// changes), so its readers keep records that share a key apart.
func TestRetractingFollowsWhatPropagates(t *testing.T) {
	cat, err := catalog.New("", catalog.Chain{Name: "devchain"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = cat.Compile(`
CREATE STREAM sessions (battery STRING KEY, kwh DOUBLE) WITH (KAFKA_TOPIC='sessions', VALUE_FORMAT='JSON', PARTITIONS=1);
CREATE TABLE blocks_per_miner AS SELECT miner, COUNT(*) AS n FROM devchain_blocks GROUP BY miner EMIT CHANGES;
CREATE STREAM enriched AS SELECT s.battery, s.kwh, b.n FROM sessions s JOIN blocks_per_miner b ON s.battery = b.miner EMIT CHANGES;
CREATE STREAM big_blocks AS SELECT id, number FROM devchain_blocks WHERE gas_used > 100 EMIT CHANGES;
`, stream.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for topic, want := range map[string]bool{
		"sessions": false, "BLOCKS_PER_MINER": true, "ENRICHED": false, "BIG_BLOCKS": true,
	} {
		if got := cat.Retracting(topic); got != want {
			t.Errorf("Retracting(%s) = %v, want %v", topic, got, want)
		}
	}
}
