package anchor_test

import (
	"context"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/seal"
	"github.com/chaintap/chaintap/seal/anchor"
)

// TestAnchorOnDevchain anchors a checkpoint's tree head on the devchain
// and finds it at the block it was mined in; a tree head never anchored,
// and one anchored by an account other than the sealer's, are not found.
func TestAnchorOnDevchain(t *testing.T) {
	c, err := devchain.Start(devchain.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	sealed := make(chan struct{})
	go func() { defer close(sealed); c.SealEvery(ctx, 20*time.Millisecond) }()
	t.Cleanup(func() { cancel(); <-sealed }) // before the chain closes

	chainID := big.NewInt(devchain.ChainID)
	a, err := anchor.Deploy(ctx, c.Client(), c.Keys()[0], chainID)
	if err != nil {
		t.Fatal(err)
	}
	cp := checkpointOf(t, 10)
	rcpt, err := a.Publish(ctx, cp)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := a.AnchoredIn(ctx, cp); err != nil || got != rcpt.BlockNumber.Uint64() {
		t.Fatalf("anchored root found at block %d, %v; mined in %d", got, err, rcpt.BlockNumber)
	}
	// A reader without the key finds it too.
	reader := anchor.New(c.Client(), a.Address(), nil, chainID)
	if _, err := reader.AnchoredIn(ctx, cp); err != nil {
		t.Fatal(err)
	}
	var na *anchor.NotAnchoredError
	never := checkpointOf(t, 11)
	if _, err := a.AnchoredIn(ctx, never); !errors.As(err, &na) {
		t.Fatalf("never-anchored root: %v, want NotAnchoredError", err)
	}
	other := anchor.New(c.Client(), a.Address(), c.Keys()[1], chainID)
	if _, err := other.Publish(ctx, never); err == nil {
		t.Fatal("an account other than the sealer's anchored a root")
	}
	if _, err := a.AnchoredIn(ctx, never); !errors.As(err, &na) {
		t.Fatalf("root refused to another account: %v, want NotAnchoredError", err)
	}
	t.Logf("%v", na)
	checkAgainstAnchor(t, ctx, a)
}

// checkAgainstAnchor: a partition whose records hash to the largest
// anchored tree head passes; one truncated below it (its last checkpoints
// withheld, so the topic alone looks fine), or rewritten, fails.
func checkAgainstAnchor(t *testing.T, ctx context.Context, a *anchor.Anchor) {
	recs := records(12)
	head := sealed(t, "audited", recs, 12)
	if _, err := a.Publish(ctx, *head.Last); err != nil {
		t.Fatal(err)
	}
	if h, err := a.Check(ctx, head); err != nil || h.Size != 12 {
		t.Fatalf("untampered partition against its anchor: %+v, %v", h, err)
	}
	var te *seal.TamperError
	cut := sealed(t, "audited", recs[:9], 6) // checkpoints after 6 withheld
	if _, err := a.Check(ctx, cut); !errors.As(err, &te) || te.Kind != seal.Truncated || te.Offset != 9 {
		t.Fatalf("truncated partition, checkpoints withheld: %v", err)
	}
	other := records(12)
	other[3].Value = []byte("rewritten")
	if _, err := a.Check(ctx, sealed(t, "audited", other, 12)); !errors.As(err, &te) || te.Kind != seal.Rewritten {
		t.Fatalf("rewritten partition: %v", err)
	}
}

func records(n int) []*kgo.Record {
	var rs []*kgo.Record
	for i := range n {
		rs = append(rs, &kgo.Record{Value: []byte{byte(i)}})
	}
	return rs
}

// sealed seals copies of recs as one partition of topic, checkpointed at
// cp records, and verifies it.
func sealed(t *testing.T, topic string, recs []*kgo.Record, cp int) seal.Result {
	t.Helper()
	ch := seal.NewChain()
	p := &seal.Partition{Topic: topic}
	var cps []seal.Checkpoint
	for i, r := range recs {
		c := &kgo.Record{Value: r.Value, Offset: int64(i)}
		ch.Seal(c)
		p.Add(c)
		if i+1 == cp {
			root, _ := ch.Root()
			cps = append(cps, seal.Checkpoint{Topic: topic, Size: ch.Size(), Root: root, Head: ch.Head(), LastOffset: int64(i)})
		}
	}
	res, err := p.Finish(cps)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func checkpointOf(t *testing.T, n int) seal.Checkpoint {
	t.Helper()
	ch := seal.NewChain()
	for i := range n {
		ch.Seal(&kgo.Record{Value: []byte{byte(i)}})
	}
	root, err := ch.Root()
	if err != nil {
		t.Fatal(err)
	}
	return seal.Checkpoint{Topic: "sealed", Partition: 0, Size: ch.Size(), Root: root, Head: ch.Head()}
}
