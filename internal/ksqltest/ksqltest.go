// Package ksqltest runs what a test of ksqlDB's API needs: the embedded
// broker, the engine running a statement file, and the API served on a
// loopback port, all stopped when the test ends.
package ksqltest

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

// Readings are the statements most API tests query: a stream of charging
// readings (two partitions) and a table the engine materializes from it.
const Readings = `
CREATE STREAM readings (id STRING KEY, kwh DOUBLE, station STRING)
  WITH (KAFKA_TOPIC='readings', VALUE_FORMAT='JSON', PARTITIONS=2);
SET 'auto.offset.reset' = 'earliest';
CREATE TABLE totals AS SELECT id, COUNT(*) AS n, SUM(kwh) AS kwh FROM readings GROUP BY id EMIT CHANGES;
`

// Fixture is a running broker, engine and API.
type Fixture struct {
	Kafka   kafka.Config
	URL     string // the API's base URL, http://127.0.0.1:port
	Catalog *catalog.Catalog
}

// Start creates topics (name → partitions) on a new embedded broker,
// runs statements' persistent queries on an engine and serves the API,
// with the devchain's streams declared too.
func Start(t testing.TB, statements string, topics map[string]int32) *Fixture {
	t.Helper()
	br, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(br.Close)
	f := &Fixture{Kafka: kafka.Config{Brokers: []string{br.Addr()}}}
	createTopics(t, f.Kafka, topics)
	if f.Catalog, err = catalog.New("", catalog.Chain{Name: "devchain"}); err != nil {
		t.Fatal(err)
	}
	prog, err := f.Catalog.Compile(statements, stream.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.URL = "http://" + l.Addr().String()
	run(t, f, prog, l)
	return f
}

func createTopics(t testing.TB, kcfg kafka.Config, topics map[string]int32) {
	t.Helper()
	cl, err := kcfg.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for name, parts := range topics {
		if _, err := kadm.NewClient(cl).CreateTopic(context.Background(), parts, -1, nil, name); err != nil {
			t.Fatal(err)
		}
	}
}

// run starts the engine and the API until the test ends.
func run(t testing.TB, f *Fixture, prog *catalog.Program, l net.Listener) {
	t.Helper()
	eng, err := engine.New(engine.Config{Kafka: f.Kafka, DataDir: t.TempDir(), Metrics: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	var stages []stream.Query
	for _, q := range prog.Queries {
		stages = append(stages, q.Stages...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	engDone, srvDone := make(chan error, 1), make(chan error, 1)
	go func() { engDone <- eng.Run(ctx, stages...) }()
	srv := ksqlapi.New(ksqlapi.Config{Kafka: f.Kafka, Catalog: f.Catalog, Queries: prog.Queries, Version: "test"})
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
}
