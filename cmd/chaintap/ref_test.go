package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/kafka"
)

// TestRefLoad loads a CSV with a bad row into a table declared by a
// statement file: the bad row is reported with its line, the others are
// in the table's topic.
func TestRefLoad(t *testing.T) {
	br, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close()
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cfg := write("chaintap.yaml", "kafka:\n  brokers: [\""+br.Addr()+"\"]\n")
	stmts := write("ref.sql", `CREATE TABLE pumps (id STRING PRIMARY KEY, litres DOUBLE) WITH (KAFKA_TOPIC='pumps', VALUE_FORMAT='JSON', PARTITIONS=1);`)
	data := write("pumps.csv", "id,litres\np1,10.5\np2,lots\np3,7\n")
	code, out, errOut := runCLI(t, "ref", "load", data, "--table", "pumps", "-f", stmts, "-c", cfg)
	if code != 0 || !strings.Contains(out, "2 rows written to PUMPS (topic pumps), 1 skipped") ||
		!strings.Contains(errOut, "pumps.csv: skipped line 3: ") {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	rows := map[string]string{}
	if err := kafka.ReadTopic(ctx, kafka.Config{Brokers: []string{br.Addr()}}, "pumps", 0, func(r *kgo.Record) error {
		rows[string(r.Key)] = string(r.Value)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows["p1"] != `{"LITRES":10.5}` || rows["p3"] != `{"LITRES":7.0}` {
		t.Errorf("topic: %v", rows)
	}
	if code, _, errOut := runCLI(t, "ref", "load", data, "--table", "nope", "-f", stmts, "-c", cfg); code == 0 || !strings.Contains(errOut, "no table nope") {
		t.Errorf("unknown table: exit %d, %s", code, errOut)
	}
}
