package catalog_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/sql"
)

// TestChainStreamsMatchTheTopics follows the battery demo's chain (with
// reorgs) and reads every record of every topic, both views, with its
// declared stream's schema: each decodes without error, and every JSON
// field the follower writes is a declared column (nothing a user would
// need is missing from SELECT *). The events' ARGS struct carries the
// demo's arguments.
func TestChainStreamsMatchTheTopics(t *testing.T) {
	d := ingesttest.DemoChain(t, 30, 10)
	cat, err := catalog.New("", catalog.Chain{Name: "devchain", Contracts: d.Contracts})
	if err != nil {
		t.Fatal(err)
	}
	topics := kafka.TopicsFor("", "devchain")
	for _, e := range chaintap.Entities() {
		for _, confirmed := range []bool{false, true} {
			name := catalog.StreamName("devchain", e, confirmed)
			src := cat.Source(name)
			if src == nil {
				t.Fatalf("no stream %s", name)
			}
			want := topics.Head(e)
			if confirmed {
				want = topics.Confirmed(e)
			}
			if src.Topic != want || src.Kind != sql.Stream || cat.Retracting(src.Topic) == confirmed {
				t.Fatalf("%s: topic %s kind %s retracting %v", name, src.Topic, src.Kind, cat.Retracting(src.Topic))
			}
			checkTopic(t, d.Kafka, src)
		}
	}
	args := cat.Source("DEVCHAIN_EVENTS").Schema
	i := args.Index("ARGS")
	if i < 0 {
		t.Fatal("DEVCHAIN_EVENTS has no ARGS")
	}
	for _, f := range []string{"BATTERY", "CHARGECYCLES", "YEARBUILT", "COUNTRY", "OWNER", "VALUE"} {
		found := false
		for _, fl := range args.Columns[i].Type.Fields {
			found = found || fl.Name == f
		}
		if !found {
			t.Errorf("ARGS lacks %s: %s", f, args.Columns[i].Type)
		}
	}
}

// checkTopic decodes every record of src's topic with src's schema.
func checkTopic(t *testing.T, kcfg kafka.Config, src *sql.Source) {
	t.Helper()
	dec := sql.NewRowDecoder(src.Schema)
	declared := map[string]bool{}
	for _, c := range src.Schema.Columns {
		declared[strings.ToUpper(c.Name)] = true
	}
	n := 0
	err := kafka.ReadTopic(context.Background(), kcfg, src.Topic, 0, func(r *kgo.Record) error {
		if r.Value == nil {
			return nil
		}
		n++
		if _, err := dec.Decode(r.Value); err != nil {
			t.Fatalf("%s offset %d: %v\n%s", src.Topic, r.Offset, err, r.Value)
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(r.Value, &fields); err != nil {
			return err
		}
		for f := range fields {
			if !declared[strings.ToUpper(f)] {
				t.Fatalf("%s: field %q of offset %d is not a column of %s", src.Topic, f, r.Offset, src.Name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("%s: no records, the check proved nothing", src.Topic)
	}
}

// TestBitcoinChainStreams: a Bitcoin-family chain is declared with its
// own two entities, and its records (resolved inputs, outputs, satoshis)
// decode with the declared schema, every field a column.
func TestBitcoinChainStreams(t *testing.T) {
	cat, err := catalog.New("", catalog.Chain{Name: "btc", Family: chaintap.FamilyBitcoin})
	if err != nil {
		t.Fatal(err)
	}
	if cat.Source("BTC_LOGS") != nil || cat.Source("BTC_EVENTS") != nil {
		t.Fatal("a Bitcoin chain declares EVM entities")
	}
	one, typ := uint64(1), "pubkeyhash"
	b := &chaintap.BitcoinBlock{Type: "block", Chain: "btc", Hash: "aa", ParentHash: "bb", Size: 300, StrippedSize: &one, Number: 7, Nonce: "ff"}
	b.Transactions = []chaintap.BitcoinTx{{Type: "transaction", Chain: "btc", Hash: "cc", Size: &one, VirtualSize: &one, Weight: &one,
		BlockNumber: 7, Inputs: []chaintap.BitcoinInput{{SpentTransactionHash: "dd", RequiredSignatures: &one, ScriptType: &typ,
			Addresses: []string{"1abc"}, Value: 5_000_000_000, Witness: []string{"30"}}},
		Outputs:    []chaintap.BitcoinOutput{{ScriptType: typ, Addresses: []string{"1def"}, Value: 4_999_998_000}},
		InputValue: 5_000_000_000, OutputValue: 4_999_998_000, Fee: 2000}}
	for _, r := range b.Records() {
		src := cat.Source(catalog.StreamName("btc", r.Entity, false))
		if src == nil {
			t.Fatalf("no stream for %s", r.Entity)
		}
		v, err := json.Marshal(r.Value)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sql.NewRowDecoder(src.Schema).Decode(v); err != nil {
			t.Fatalf("%s: %v\n%s", src.Name, err, v)
		}
		var fields map[string]any
		if err := json.Unmarshal(v, &fields); err != nil {
			t.Fatal(err)
		}
		for f := range fields {
			if src.Schema.Index(strings.ToUpper(f)) < 0 {
				t.Errorf("%s: field %s is not a column", src.Name, f)
			}
		}
	}
}
