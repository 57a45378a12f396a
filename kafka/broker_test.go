package kafka_test

import (
	"context"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/kafka"
)

// TestBrokerCreatesTopicsOnProduce: a producer that asks for it (kcat,
// librdkafka and Java producers do by default) creates the topic it
// writes to, as on a stock Kafka; a client that does not ask (franz-go's
// default, chaintap's own) still finds no topic.
func TestBrokerCreatesTopicsOnProduce(t *testing.T) {
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	cfg := kafka.Config{Brokers: []string{b.Addr()}}
	var read int
	if err := kafka.ReadTopic(ctx, cfg, "payments", 0, func(*kgo.Record) error { read++; return nil }); err != nil || read != 0 {
		t.Fatalf("reading a topic nobody wrote: %d records, %v", read, err)
	}
	cl, err := cfg.NewClient(kgo.AllowAutoTopicCreation())
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: "payments", Key: []byte("k"), Value: []byte("v")}).FirstErr(); err != nil {
		t.Fatalf("producing to a new topic: %v", err)
	}
	if err := kafka.ReadTopic(ctx, cfg, "payments", 0, func(*kgo.Record) error { read++; return nil }); err != nil || read != 1 {
		t.Fatalf("reading it back: %d records, %v", read, err)
	}
}
