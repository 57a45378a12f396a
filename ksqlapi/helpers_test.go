package ksqlapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/engine"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/stream"
)

// statements of the tests: a stream of charging readings and a table the
// engine materializes from it.
const statements = `
CREATE STREAM readings (id STRING KEY, kwh DOUBLE, station STRING)
  WITH (KAFKA_TOPIC='readings', VALUE_FORMAT='JSON', PARTITIONS=2);
SET 'auto.offset.reset' = 'earliest';
CREATE TABLE totals AS SELECT id, COUNT(*) AS n, SUM(kwh) AS kwh FROM readings GROUP BY id EMIT CHANGES;
`

// apiFixture is a broker, the engine running the statements, and the API
// served on a loopback port.
type apiFixture struct {
	kafka kafka.Config
	url   string
}

func newFixture(t *testing.T) *apiFixture {
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
	prog, err := cat.Compile(statements, stream.Options{})
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
	srv := New(Config{Kafka: kcfg, Catalog: cat, Queries: prog.Queries, Version: "test"})
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
	return &apiFixture{kafka: kcfg, url: "http://" + l.Addr().String()}
}

// clients over HTTP/1.1 and cleartext HTTP/2 (prior knowledge, as
// ksqlDB's Java client).
func clients() map[string]*http.Client {
	var h1, h2 http.Protocols
	h1.SetHTTP1(true)
	h2.SetUnencryptedHTTP2(true)
	return map[string]*http.Client{
		"HTTP/1.1": {Transport: &http.Transport{Protocols: &h1}},
		"h2c":      {Transport: &http.Transport{Protocols: &h2}},
	}
}

// post sends body and returns the status, the protocol and the answer.
func post(t *testing.T, c *http.Client, url, body string, header ...string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentTypeKSQL)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Proto, out
}

// lines splits a delimited answer into its JSON values.
func lines(t *testing.T, body []byte) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		out = append(out, json.RawMessage(bytes.Clone(sc.Bytes())))
	}
	return out
}

func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
