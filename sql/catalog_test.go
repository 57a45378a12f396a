package sql

import (
	"os"
	"testing"
)

// chainCatalog declares chaintap's chain topics as the runtime does, for
// devchain, plus an events stream whose args are a STRUCT.
func chainCatalog(t testing.TB) MapCatalog {
	t.Helper()
	cat := MapCatalog{}
	src := `
CREATE STREAM DEVCHAIN_BLOCKS (number BIGINT KEY, hash VARCHAR, parent_hash VARCHAR, gas_used BIGINT,
  gas_limit BIGINT, timestamp BIGINT, miner VARCHAR, transaction_count INT, chain VARCHAR)
  WITH (KAFKA_TOPIC='devchain.blocks', VALUE_FORMAT='JSON', KEY_FORMAT='KAFKA');
CREATE STREAM DEVCHAIN_TRANSACTIONS (hash VARCHAR KEY, block_number BIGINT, block_hash VARCHAR,
  from_address VARCHAR, to_address VARCHAR, value DECIMAL(78, 0), gas BIGINT, gas_price DECIMAL(78, 0),
  receipt_status INT, chain VARCHAR)
  WITH (KAFKA_TOPIC='devchain.transactions', VALUE_FORMAT='JSON');
CREATE STREAM DEVCHAIN_TOKEN_TRANSFERS (id VARCHAR KEY, token_address VARCHAR, from_address VARCHAR,
  to_address VARCHAR, value DECIMAL(78, 0), transaction_hash VARCHAR, log_index INT, block_number BIGINT)
  WITH (KAFKA_TOPIC='devchain.token_transfers', VALUE_FORMAT='JSON');
CREATE STREAM DEVCHAIN_EVENTS (id VARCHAR KEY, chain VARCHAR, block_number BIGINT, block_hash VARCHAR,
  transaction_hash VARCHAR, log_index INT, address VARCHAR, contract VARCHAR, event VARCHAR,
  args STRUCT<battery VARCHAR, chargeCycles DECIMAL(78, 0)>)
  WITH (KAFKA_TOPIC='devchain.events', VALUE_FORMAT='JSON');
`
	for _, p := range analyzeScript(t, cat, src) {
		cat.Add(p.(*CreateSourcePlan).Source)
	}
	return cat
}

// analyzeScript parses and analyzes the statements of src in order against
// cat.
func analyzeScript(t testing.TB, cat Catalog, src string) []Plan {
	t.Helper()
	sts, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	plans, err := AnalyzeAll(sts, cat)
	if err != nil {
		t.Fatal(err)
	}
	return plans
}

// demoCatalog is chainCatalog plus the sources the demo script creates.
func demoCatalog(t testing.TB) Catalog {
	t.Helper()
	cat := chainCatalog(t)
	src, err := os.ReadFile("testdata/demo.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range analyzeScript(t, cat, string(src)) {
		switch p := p.(type) {
		case *CreateSourcePlan:
			cat.Add(p.Source)
		case *QueryPlan:
			if p.Sink != nil && p.Sink.Create {
				cat.Add(p.Sink.Source)
			}
		}
	}
	return cat
}
