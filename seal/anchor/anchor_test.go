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
