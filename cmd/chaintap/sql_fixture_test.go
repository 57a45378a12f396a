package main

import (
	"context"
	"net"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/engine"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/ksqlapi"
	"github.com/chaintap/chaintap/stream"
)

// sqlAPIStatements are what the shell's tests query: a stream of charging
// readings and a table the engine materializes from it.
const sqlAPIStatements = `
CREATE STREAM readings (id STRING KEY, kwh DOUBLE, station STRING)
  WITH (KAFKA_TOPIC='readings', VALUE_FORMAT='JSON', PARTITIONS=2);
SET 'auto.offset.reset' = 'earliest';
CREATE TABLE totals AS SELECT id, COUNT(*) AS n, SUM(kwh) AS kwh FROM readings GROUP BY id EMIT CHANGES;
`

// startSQLAPI starts a broker, the engine running sqlAPIStatements, and
// ksqlDB's API over them on a loopback port, as ksqlapi's own tests do;
// it returns the API's URL.
func startSQLAPI(t *testing.T) string {
	t.Helper()
	br, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(br.Close)
	kcfg := kafka.Config{Brokers: []string{br.Addr()}}
	cl, err := kcfg.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreateTopic(context.Background(), 2, -1, nil, "readings"); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.New("", catalog.Chain{Name: "devchain"})
	if err != nil {
		t.Fatal(err)
	}
	prog, err := cat.Compile(sqlAPIStatements, stream.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	eng, err := engine.New(engine.Config{Kafka: kcfg, DataDir: t.TempDir(), Metrics: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	var stages []stream.Query
	for _, q := range prog.Queries {
		stages = append(stages, q.Stages...)
	}
	engDone := make(chan error, 1)
	go func() { engDone <- eng.Run(ctx, stages...) }()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := ksqlapi.New(ksqlapi.Config{Kafka: kcfg, Catalog: cat, Queries: prog.Queries, Version: "test"})
	srvDone := make(chan error, 1)
	go func() { srvDone <- srv.Serve(ctx, l) }()
	t.Cleanup(func() {
		cancel()
		if err := <-srvDone; err != nil {
			t.Error(err)
		}
		if err := <-engDone; err != nil {
			t.Error(err)
		}
		eng.Close()
	})
	return "http://" + l.Addr().String()
}
