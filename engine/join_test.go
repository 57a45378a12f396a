package engine

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/sql"
	"github.com/chaintap/chaintap/stream"
)

// TestStreamStreamJoin: a stream–stream join compiled from SQL runs over
// two co-partitioned topics of two partitions (the query's two inputs):
// each order meets the payments of its key in the task of the key's
// partition, even when the orders were buffered by an instance that
// stopped and the payments come to one that restored its state from the
// changelog.
func TestStreamStreamJoin(t *testing.T) {
	cfg := startBroker(t)
	makeTopic(t, cfg, "orders", 2)
	makeTopic(t, cfg, "payments", 2)
	sts, err := sql.Parse(`
CREATE STREAM orders (id VARCHAR KEY, amount BIGINT) WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON', PARTITIONS=2);
CREATE STREAM payments (order_id VARCHAR KEY, paid BIGINT) WITH (KAFKA_TOPIC='payments', VALUE_FORMAT='JSON', PARTITIONS=2);
CREATE STREAM paid AS SELECT o.id, o.amount, p.paid FROM orders o
  JOIN payments p WITHIN 1 HOUR ON o.id = p.order_id EMIT CHANGES;`)
	if err != nil {
		t.Fatal(err)
	}
	plans, err := sql.AnalyzeAll(sts, sql.MapCatalog{})
	if err != nil {
		t.Fatal(err)
	}
	qp := plans[2].(*sql.QueryPlan)
	qs, err := stream.Compile("paid", qp, stream.Options{})
	if err != nil {
		t.Fatal(err)
	}
	qs[0].FromBeginning = true
	now := time.Now()
	var orders, payments []*kgo.Record
	for i := range 10 {
		key := []byte(fmt.Sprintf("o%d", i))
		orders = append(orders, &kgo.Record{Topic: "orders", Key: key, Value: fmt.Appendf(nil, `{"amount":%d}`, i), Timestamp: now})
		if i%2 == 0 {
			payments = append(payments, &kgo.Record{Topic: "payments", Key: key, Value: fmt.Appendf(nil, `{"paid":%d}`, 10*i), Timestamp: now})
		}
	}
	produceRecords(t, cfg, orders)
	first := start(t, cfg, "one", t.TempDir(), qs...)
	waitFor(t, 60*time.Second, "the orders to be processed", func() bool {
		return first.counter(t, "chaintap_engine_records_total") >= float64(len(orders))
	})
	if err := first.stop(); err != nil {
		t.Fatal(err)
	}
	produceRecords(t, cfg, payments)
	start(t, cfg, "two", t.TempDir(), qs...)
	waitOutputs(t, cfg, qp.Sink.Topic, 5, 60*time.Second)
	var got []string
	err = kafka.ReadTopic(context.Background(), cfg, qp.Sink.Topic, 0, func(r *kgo.Record) error {
		got = append(got, fmt.Sprintf("%s=%s", r.Key, r.Value))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	want := []string{`o0={"AMOUNT":0,"PAID":0}`, `o2={"AMOUNT":2,"PAID":20}`, `o4={"AMOUNT":4,"PAID":40}`,
		`o6={"AMOUNT":6,"PAID":60}`, `o8={"AMOUNT":8,"PAID":80}`}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// produceRecords writes records to their topics, partitioned by key.
func produceRecords(t testing.TB, cfg kafka.Config, rs []*kgo.Record) {
	t.Helper()
	cl, err := cfg.NewClient(kgo.DisableClientMetrics())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(context.Background(), rs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}
