package pgsource

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/internal/pgtest"
	"github.com/chaintap/chaintap/kafka"
)

// TestCrashBetweenKafkaCommitAndStatus: every other session dies right
// after its Kafka commit, before PostgreSQL hears of it, so the slot
// resends transactions Kafka holds already. None may be published twice.
func TestCrashBetweenKafkaCommitAndStatus(t *testing.T) {
	pg := pgtest.Start(t)
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	kcfg := kafka.Config{Brokers: []string{b.Addr()}}
	pg.Exec("CREATE TABLE t (id int PRIMARY KEY)")
	src, err := New(Config{Name: "crashy", DSN: pg.DSN(), Kafka: kcfg, RetryInitial: time.Millisecond, RetryMax: 10 * time.Millisecond,
		Tables: []Table{{Schema: "public", Name: "t", Topic: "pg.t"}}})
	if err != nil {
		t.Fatal(err)
	}
	var flushes, crashes atomic.Int64
	src.afterKafkaCommit = func() error {
		if flushes.Add(1)%2 == 0 {
			crashes.Add(1)
			return errors.New("crash after the Kafka commit")
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- src.Run(ctx) }()
	defer func() { cancel(); <-done }()
	const n = 30
	for i := range n {
		pg.Exec(fmt.Sprintf("INSERT INTO t VALUES (%d)", i))
		time.Sleep(30 * time.Millisecond)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		seen := map[string]int{}
		total := 0
		err := kafka.ReadTopic(context.Background(), kcfg, "pg.t", 0, func(r *kgo.Record) error {
			seen[string(r.Key)]++
			total++
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if total > len(seen) {
			t.Fatalf("%d records for %d keys after %d crashes: a change was published twice", total, len(seen), crashes.Load())
		}
		if len(seen) == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d rows published", len(seen), n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if crashes.Load() < 5 {
		t.Fatalf("only %d crashes: the test proved little", crashes.Load())
	}
	t.Logf("%d rows once each across %d crashes", n, crashes.Load())
}
