package seal_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/mod/sumdb/note"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/seal"
)

// evmBlock makes a synthetic block n on branch tag with two transactions
// and three logs each.
func evmBlock(tag string, n uint64) *chaintap.EVMBlock {
	hash := fmt.Sprintf("0x%s%062d", tag, n)
	b := &chaintap.EVMBlock{Type: chaintap.KindBlock, Chain: "c", Number: n, Hash: hash, ParentHash: fmt.Sprintf("0x%s%062d", tag, n-1)}
	for i := range 2 {
		tx := fmt.Sprintf("0x%s%060d%02d", tag, n, i)
		b.Transactions = append(b.Transactions, chaintap.Tx{Type: chaintap.KindTx, Chain: "c", Hash: tx, BlockNumber: n, BlockHash: hash})
		for pos := range uint64(3) {
			b.Logs = append(b.Logs, chaintap.Log{Type: chaintap.KindLog, Chain: "c", TransactionHash: tx, TxLogPosition: pos, BlockNumber: n, BlockHash: hash, Data: fmt.Sprintf("0x%064d", pos)})
		}
	}
	return b
}

// unencodable is a block whose last record cannot be encoded: publishing
// it fails after the batch's earlier blocks were produced, so the broker
// holds records of an aborted transaction.
type unencodable struct{ *chaintap.EVMBlock }

func (u unencodable) Records() []chaintap.Record {
	return append(u.EVMBlock.Records(), chaintap.Record{Entity: chaintap.EntityLogs, Key: "bad", Value: math.Inf(1)})
}

// sealedChain follows one synthetic chain "c", all of whose topics are
// sealed, block by block.
type sealedChain struct {
	t      *testing.T
	kcfg   kafka.Config
	signer note.Signer
	topics kafka.Topics
	pub    *kafka.Publisher
	window []chaintap.Header
}

func sealedTopics(prefix, chain string) []string {
	t := kafka.TopicsFor(prefix, chain)
	return append(t.All(), t.Reorgs())
}

func (c *sealedChain) connect(kcfg kafka.Config) *kafka.Publisher {
	c.t.Helper()
	c.kcfg = kcfg
	pub, err := newSealedPublisher(c.kcfg, c.signer, "c", kafka.TopicConfig{})
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(pub.Close)
	c.pub, c.topics = pub, pub.Topics()
	return pub
}

func newSealedPublisher(kcfg kafka.Config, s note.Signer, chain string, tc kafka.TopicConfig) (*kafka.Publisher, error) {
	kcfg.Topics = tc
	sealer, err := seal.NewPublishing(seal.PublishConfig{Topics: sealedTopics(tc.Prefix, chain), Signer: s, Every: 7})
	if err != nil {
		return nil, err
	}
	return kafka.NewPublisher(context.Background(), kcfg, chain, nil, nil, kafka.WithSealer(sealer))
}

func (c *sealedChain) cursor() chaintap.Cursor {
	return chaintap.Cursor{Chain: "c", Start: c.window[0].Number, Window: c.window}
}

// apply publishes blocks on the head view, and confirms those of them
// older than 3 blocks from the new head.
func (c *sealedChain) apply(pub *kafka.Publisher, bs ...*chaintap.EVMBlock) error {
	b := chaintap.Batch{Chain: "c", Origin: chaintap.OriginBackfill}
	window := c.window
	for _, blk := range bs {
		b.Apply = append(b.Apply, blk)
		window = append(window, blk.Header())
		if blk.Number > 3 {
			b.Confirm = append(b.Confirm, evmBlock("aa", blk.Number-3))
		}
	}
	b.Cursor = chaintap.Cursor{Chain: "c", Start: window[0].Number, Window: window}
	if err := pub.Publish(context.Background(), b); err != nil {
		return err
	}
	c.window = window
	return nil
}

// reorg orphans the newest n blocks and publishes the new branch's.
func (c *sealedChain) reorg(n int, tag string, newer int) {
	c.t.Helper()
	old := c.window[len(c.window)-n:]
	ancestor := c.window[len(c.window)-n-1]
	b := chaintap.Batch{Chain: "c"}
	for i := len(old) - 1; i >= 0; i-- {
		b.Retract = append(b.Retract, old[i])
	}
	b.Reorgs = []chaintap.Reorg{{Type: "reorg", Chain: "c", Depth: n, CommonAncestor: ancestor, Orphaned: b.Retract}}
	window := c.window[:len(c.window)-n]
	for i := range newer {
		blk := evmBlock(tag, ancestor.Number+1+uint64(i))
		if i == 0 {
			blk.ParentHash = ancestor.Hash
		}
		b.Apply = append(b.Apply, blk)
		window = append(window, blk.Header())
	}
	b.Cursor = chaintap.Cursor{Chain: "c", Start: window[0].Number, Window: window}
	if err := c.pub.Publish(context.Background(), b); err != nil {
		c.t.Fatal(err)
	}
	c.window = window
}

func (c *sealedChain) head() uint64 { return c.window[len(c.window)-1].Number }

// verifyAll verifies every sealed topic and checks that each holds only
// sealed records (all of them chained: the seal was never restarted).
func verifyAll(t *testing.T, kcfg kafka.Config, keys note.Verifiers, strict bool) int64 {
	t.Helper()
	var total int64
	for _, topic := range sealedTopics("", "c") {
		n := countRecords(t, kcfg, topic)
		if n == 0 {
			continue // nothing published there (token transfers): nothing to verify
		}
		res, err := seal.VerifyTopic(context.Background(), kcfg, topic, keys, seal.VerifyOptions{Strict: strict})
		if err != nil {
			t.Fatalf("%s: %v", topic, err)
		}
		var sealed int64
		for _, r := range res {
			sealed += r.Sealed
		}
		if sealed != int64(n) {
			t.Fatalf("%s: %d records, %d of them in the seal", topic, n, sealed)
		}
		total += sealed
	}
	return total
}

// TestPublisherSealsItsTopics: a follower's publisher seals every record
// of its topics (upserts of both views, retractions, reorgs) inside its
// transactions; the topics verify strictly after a backfill, a reorg, a
// transaction that failed after producing records, a fenced publisher, a
// publisher restart and a broker restart, each restart restoring the
// chains rather than starting them at 0.
func TestPublisherSealsItsTopics(t *testing.T) {
	s, keys, _ := testKeys(t, "follower-seal")
	dir := filepath.Join(t.TempDir(), "kafka")
	b, kcfg := startBroker(t, "127.0.0.1:0", dir)
	c := &sealedChain{t: t, signer: s}
	pub := c.connect(kcfg)

	// Backfill, in batches of 4 blocks.
	for n := uint64(1); n <= 16; n += 4 {
		if err := c.apply(pub, evmBlock("aa", n), evmBlock("aa", n+1), evmBlock("aa", n+2), evmBlock("aa", n+3)); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	after := verifyAll(t, kcfg, keys, true)

	// A reorg: the newest 3 blocks retracted (tombstones, sealed), 4 new.
	c.reorg(3, "bb", 4)
	verifyAll(t, kcfg, keys, false)

	// A transaction that fails after producing a block's records: they
	// are aborted, the seal is dropped and restored by LoadCursor.
	next := evmBlock("bb", c.head()+1)
	bad := unencodable{evmBlock("bb", c.head()+2)}
	err := pub.Publish(context.Background(), chaintap.Batch{Chain: "c", Apply: []chaintap.Block{next, bad}, Cursor: c.cursor()})
	if err == nil {
		t.Fatal("publishing an unencodable block succeeded")
	}
	if err := c.apply(pub, evmBlock("bb", c.head()+1)); err == nil {
		t.Fatal("published with a seal dropped by a failed transaction")
	}
	if _, err := pub.LoadCursor(context.Background(), "c"); err != nil {
		t.Fatal(err)
	}
	if err := c.apply(pub, evmBlock("bb", c.head()+1), evmBlock("bb", c.head()+2)); err != nil {
		t.Fatal(err)
	}

	// A second publisher fences the first, restores and goes on.
	second := c.connect(kcfg)
	if err := c.apply(pub, evmBlock("bb", c.head()+1)); !errors.Is(err, chaintap.ErrFenced) {
		t.Fatalf("the fenced publisher published: %v", err)
	}
	if err := pub.Checkpoint(context.Background()); err != nil {
		t.Fatalf("a fenced publisher's last checkpoint: %v, want nothing done", err)
	}
	if err := c.apply(second, evmBlock("bb", c.head()+1)); err != nil {
		t.Fatal(err)
	}
	if err := second.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := verifyAll(t, kcfg, keys, true)
	if before <= after {
		t.Fatalf("%d records sealed after the restarts, %d before", before, after)
	}
	second.Close()

	// The broker restarts (a new port: the data directory carries over).
	b.Close()
	_, kcfg = startBroker(t, "127.0.0.1:0", dir)
	if n := verifyAll(t, kcfg, keys, true); n != before {
		t.Fatalf("%d records verified after the broker restart, %d before", n, before)
	}
	third := c.connect(kcfg)
	if err := c.apply(third, evmBlock("bb", c.head()+1), evmBlock("bb", c.head()+2)); err != nil {
		t.Fatal(err)
	}
	// The follower stops during a transaction (its context ends): the
	// last checkpoints still cover everything committed.
	stopped, stop := context.WithCancel(context.Background())
	stop()
	next = evmBlock("bb", c.head()+1)
	if err := third.Publish(stopped, chaintap.Batch{Chain: "c", Apply: []chaintap.Block{next}, Cursor: c.cursor()}); err == nil {
		t.Fatal("published with a context that had ended")
	}
	if err := third.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d records sealed and verified", verifyAll(t, kcfg, keys, true))
}

// TestFollowerSealedTamper: a record produced into a follower-sealed
// topic by a plain client fails verify, naming its offset, and a
// publisher restarted on that topic refuses to extend its seal.
func TestFollowerSealedTamper(t *testing.T) {
	s, keys, _ := testKeys(t, "follower-seal")
	_, kcfg := startBroker(t, "127.0.0.1:0", "")
	c := &sealedChain{t: t, signer: s}
	pub := c.connect(kcfg)
	for n := uint64(1); n <= 6; n += 2 {
		if err := c.apply(pub, evmBlock("aa", n), evmBlock("aa", n+1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := pub.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	pub.Close()
	verifyAll(t, kcfg, keys, true)

	logs := c.topics.Head(chaintap.EntityLogs)
	forged := &kgo.Record{Topic: logs, Key: []byte("forged"), Value: []byte(`{"type":"log"}`)}
	produce(t, kcfg, []*kgo.Record{forged})
	_, err := seal.VerifyTopic(context.Background(), kcfg, logs, keys, seal.VerifyOptions{})
	var te *seal.TamperError
	if !errors.As(err, &te) || te.Offset != forged.Offset || te.Kind != seal.Inserted {
		t.Fatalf("verify after a record was appended at offset %d: %v", forged.Offset, err)
	}
	t.Logf("as users see it: %v", te)
	_, err = newSealedPublisher(kcfg, s, "c", kafka.TopicConfig{})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%s partition 0 does not verify, refusing to extend it: offset %d", logs, forged.Offset)) {
		t.Fatalf("a publisher on a tampered topic: %v", err)
	}
}

// TestSealedPartitionsAsUnsealed: with several partitions, the publisher
// puts each record of a sealed topic in the partition franz-go's default
// partitioner (Kafka's murmur2 of the key) gives it unsealed, and each
// partition verifies.
func TestSealedPartitionsAsUnsealed(t *testing.T) {
	s, keys, _ := testKeys(t, "follower-seal")
	_, kcfg := startBroker(t, "127.0.0.1:0", "")
	tc := kafka.TopicConfig{Partitions: 3}
	sealed, err := newSealedPublisher(kcfg, s, "c", tc)
	if err != nil {
		t.Fatal(err)
	}
	defer sealed.Close()
	kcfg.Topics = tc
	plain, err := kafka.NewPublisher(context.Background(), kcfg, "u", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	var blocks []chaintap.Block
	var window []chaintap.Header
	for n := uint64(1); n <= 12; n++ {
		blocks = append(blocks, evmBlock("aa", n))
		window = append(window, blocks[n-1].Header())
	}
	for _, pub := range []*kafka.Publisher{sealed, plain} {
		b := chaintap.Batch{Apply: blocks, Confirm: blocks, Cursor: chaintap.Cursor{Start: 1, Window: window}}
		if err := pub.Publish(context.Background(), b); err != nil {
			t.Fatal(err)
		}
	}
	if err := sealed.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, e := range []string{chaintap.EntityBlocks, chaintap.EntityTransactions, chaintap.EntityLogs} {
		for _, view := range []func(kafka.Topics, string) string{kafka.Topics.Head, kafka.Topics.Confirmed} {
			want := partitionsByKey(t, kcfg, view(plain.Topics(), e))
			got := partitionsByKey(t, kcfg, view(sealed.Topics(), e))
			if len(want) == 0 || len(got) != len(want) {
				t.Fatalf("%s: %d keys sealed, %d unsealed", e, len(got), len(want))
			}
			used := map[int32]bool{}
			for k, p := range want {
				if got[k] != p {
					t.Fatalf("%s key %s: partition %d sealed, %d unsealed", view(sealed.Topics(), e), k, got[k], p)
				}
				used[p] = true
			}
			if e == chaintap.EntityLogs && len(used) < 2 {
				t.Fatalf("the logs went to %d partitions of 3: the test shows nothing", len(used))
			}
			res, err := seal.VerifyTopic(context.Background(), kcfg, view(sealed.Topics(), e), keys, seal.VerifyOptions{Strict: true})
			if err != nil || len(res) != 3 {
				t.Fatalf("%s: %v (%d partitions)", view(sealed.Topics(), e), err, len(res))
			}
		}
	}
}

func partitionsByKey(t *testing.T, kcfg kafka.Config, topic string) map[string]int32 {
	t.Helper()
	out := map[string]int32{}
	for p, rs := range readAll(t, kcfg, topic) {
		for _, r := range rs {
			out[string(r.Key)] = p
		}
	}
	return out
}

// TestSealingAnUnsealedChainIsRefused: turning sealing on for a chain
// whose topics hold records published unsealed fails at start, naming
// the first such record, rather than sealing a topic verify would fail.
func TestSealingAnUnsealedChainIsRefused(t *testing.T) {
	s, _, _ := testKeys(t, "follower-seal")
	_, kcfg := startBroker(t, "127.0.0.1:0", "")
	plain, err := kafka.NewPublisher(context.Background(), kcfg, "c", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b1 := evmBlock("aa", 1)
	if err := plain.Publish(context.Background(), chaintap.Batch{Chain: "c", Apply: []chaintap.Block{b1}, Cursor: chaintap.Cursor{Chain: "c", Start: 1, Window: []chaintap.Header{b1.Header()}}}); err != nil {
		t.Fatal(err)
	}
	plain.Close()
	_, err = newSealedPublisher(kcfg, s, "c", kafka.TopicConfig{})
	if err == nil || !strings.Contains(err.Error(), "c.blocks partition 0 does not verify, refusing to extend it: offset 0: no seal headers") {
		t.Fatalf("sealing a chain published unsealed: %v", err)
	}
}
