package kafka_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/kafka"
)

func startBroker(t *testing.T, dir string) (*kafka.Broker, kafka.Config) {
	t.Helper()
	b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return b, kafka.Config{Brokers: []string{b.Addr()}}
}

// block makes a synthetic block n on branch tag with one tx and two logs.
func block(tag string, n uint64) *chaintap.EVMBlock {
	hash := fmt.Sprintf("0x%s%062d", tag, n)
	parent := fmt.Sprintf("0x%s%062d", tag, n-1)
	tx := fmt.Sprintf("0x%s%062d", "ff", n)
	b := &chaintap.EVMBlock{Type: chaintap.KindBlock, Chain: "c", Number: n, Hash: hash, ParentHash: parent}
	b.Transactions = []chaintap.Tx{{Type: chaintap.KindTx, Chain: "c", Hash: tx, BlockNumber: n, BlockHash: hash}}
	for pos := range uint64(2) {
		b.Logs = append(b.Logs, chaintap.Log{Type: chaintap.KindLog, Chain: "c", TransactionHash: tx, TxLogPosition: pos, BlockNumber: n, BlockHash: hash})
	}
	return b
}

// newPublisher starts chain "c"'s publisher, closed when the test ends.
func newPublisher(t *testing.T, cfg kafka.Config) *kafka.Publisher {
	t.Helper()
	pub, err := kafka.NewPublisher(context.Background(), cfg, "c", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pub.Close)
	return pub
}

func cursorOf(bs ...*chaintap.EVMBlock) chaintap.Cursor {
	c := chaintap.Cursor{Chain: "c", Start: bs[0].Number}
	for _, b := range bs {
		c.Window = append(c.Window, b.Header())
	}
	return c
}

func records(t *testing.T, cfg kafka.Config, topic string) []*kgo.Record {
	t.Helper()
	var rs []*kgo.Record
	if err := kafka.ReadTopic(context.Background(), cfg, topic, 0, func(r *kgo.Record) error { rs = append(rs, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return rs
}

// TestRetractAfterRestart: a block published before a restart is retracted
// record by record after it, from the manifest kept in Kafka; and the
// broker's data dir keeps everything across a broker restart.
func TestRetractAfterRestart(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "kafka")
	b, cfg := startBroker(t, dir)
	pub := newPublisher(t, cfg)
	b1, b2, b3 := block("aa", 1), block("aa", 2), block("aa", 3)
	if err := pub.Publish(ctx, chaintap.Batch{Chain: "c", Apply: []chaintap.Block{b1, b2, b3}, Origin: chaintap.OriginBackfill, Cursor: cursorOf(b1, b2, b3)}); err != nil {
		t.Fatal(err)
	}
	pub.Close()
	b.Close()

	// Same data dir, new broker port, new publisher: nothing in memory.
	b, cfg = startBroker(t, dir)
	defer b.Close()
	pub = newPublisher(t, cfg)
	cur, err := pub.LoadCursor(ctx, "c")
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := cur.Head(); h != b3.Header() {
		t.Fatalf("cursor head after restart = %+v", h)
	}
	b3x := block("bb", 3)
	b3x.ParentHash = b2.Hash
	if err := pub.Publish(ctx, chaintap.Batch{Chain: "c", Retract: []chaintap.Header{b3.Header()}, Apply: []chaintap.Block{b3x}, Cursor: cursorOf(b1, b2, b3x)}); err != nil {
		t.Fatal(err)
	}
	topics := pub.Topics()
	logs := records(t, cfg, topics.Head("logs"))
	if len(logs) != 2*3+2+2 {
		t.Fatalf("logs topic has %d records, want 6 upserts, 2 retractions, 2 upserts", len(logs))
	}
	for _, r := range logs[6:8] {
		if kafka.Op(r) != kafka.OpRetract || r.Value != nil || header(r, kafka.HeaderBlockHash) != b3.Hash {
			t.Fatalf("record %d is not a retraction of block 3: op %s hash %s", r.Offset, kafka.Op(r), header(r, kafka.HeaderBlockHash))
		}
	}
	if k := string(logs[6].Key); k != chaintap.LogKey(b3.Transactions[0].Hash, 1) {
		t.Fatalf("retractions must come newest first; first retracted key %s", k)
	}
	blocks := records(t, cfg, topics.Head("blocks"))
	if last := blocks[len(blocks)-1]; string(last.Key) != "3" || header(last, kafka.HeaderBlockHash) != b3x.Hash || header(last, kafka.HeaderOrigin) != "" {
		t.Fatalf("last block record: key %s hash %s", last.Key, header(last, kafka.HeaderBlockHash))
	}
	if h := header(blocks[0], kafka.HeaderOrigin); h != "backfill" {
		t.Fatalf("origin header = %q", h)
	}
}

// TestSecondInstanceFencesTheFirst: one transactional ID per chain, so
// two followers of one chain cannot both write.
func TestSecondInstanceFencesTheFirst(t *testing.T) {
	ctx := context.Background()
	b, cfg := startBroker(t, "")
	defer b.Close()
	first := newPublisher(t, cfg)
	b1 := block("aa", 1)
	if err := first.Publish(ctx, chaintap.Batch{Chain: "c", Apply: []chaintap.Block{b1}, Cursor: cursorOf(b1)}); err != nil {
		t.Fatal(err)
	}
	second := newPublisher(t, cfg)
	b2 := block("aa", 2)
	err := first.Publish(ctx, chaintap.Batch{Chain: "c", Apply: []chaintap.Block{b2}, Cursor: cursorOf(b1, b2)})
	if !errors.Is(err, chaintap.ErrFenced) {
		t.Fatalf("the fenced instance published: err = %v", err)
	}
	if err := second.Publish(ctx, chaintap.Batch{Chain: "c", Apply: []chaintap.Block{b2}, Cursor: cursorOf(b1, b2)}); err != nil {
		t.Fatal(err)
	}
	if n := len(records(t, cfg, second.Topics().Head("blocks"))); n != 2 {
		t.Fatalf("blocks topic holds %d committed records, want 2", n)
	}
}

func TestRetractUnknownBlockIsAnError(t *testing.T) {
	ctx := context.Background()
	b, cfg := startBroker(t, "")
	defer b.Close()
	pub := newPublisher(t, cfg)
	err := pub.Publish(ctx, chaintap.Batch{Chain: "c", Retract: []chaintap.Header{block("aa", 9).Header()}, Cursor: cursorOf(block("aa", 8))})
	if err == nil {
		t.Fatal("retracting a block never published succeeded")
	}
}

func header(r *kgo.Record, k string) string {
	for _, h := range r.Headers {
		if h.Key == k {
			return string(h.Value)
		}
	}
	return ""
}
