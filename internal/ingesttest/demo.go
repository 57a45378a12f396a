package ingesttest

import (
	"context"
	"encoding/hex"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/chaintap/chaintap/contracts"
	"github.com/chaintap/chaintap/decode"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/evm"
	"github.com/chaintap/chaintap/follow"
	"github.com/chaintap/chaintap/kafka"
)

// Demo is the battery demo's chain followed into an embedded broker.
type Demo struct {
	Kafka     kafka.Config
	Chain     *devchain.Chain
	Fleet     *devchain.Fleet
	Contracts []decode.Contract // the decoder's: standards, registry, token
	mu        sync.Mutex
	progress  follow.Progress // the newest
}

// DemoChain deploys the demo's contracts on a devchain, makes rounds
// blocks of battery, token and random traffic (with a reorg of depth 2
// every reorgEvery blocks, 0 for none), and follows it (chain name
// "devchain") into an embedded broker until the follower has published
// the head. The follower stops with the test.
func DemoChain(t testing.TB, rounds, reorgEvery int) *Demo {
	t.Helper()
	ctx := context.Background()
	d := &Demo{Kafka: Broker(t)}
	var traffic *devchain.Traffic
	d.Chain, traffic = Chain(t, false)
	fleet, err := devchain.NewFleet(ctx, d.Chain, d.Chain.Seed(), "")
	if err != nil {
		t.Fatal(err)
	}
	d.Fleet = fleet
	for _, s := range decode.Builtin {
		c, err := decode.BuiltinContract(s)
		if err != nil {
			t.Fatal(err)
		}
		d.Contracts = append(d.Contracts, c)
	}
	for _, c := range []struct {
		name string
		addr string
		abi  []byte
	}{{"BatteryRegistry", fleet.Registry().Hex(), contracts.BatteryRegistryABI}, {"DemoToken", fleet.Token().Hex(), contracts.DemoTokenABI}} {
		pc, err := decode.ParseContract(c.name, c.addr, c.abi)
		if err != nil {
			t.Fatal(err)
		}
		d.Contracts = append(d.Contracts, pc)
	}
	reg, err := decode.NewRegistry(d.Contracts...)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for i := range rounds {
		if err := fleet.Step(ctx, rng, 3); err != nil {
			t.Fatal(err)
		}
		if err := traffic.Send(ctx, rng, 2); err != nil {
			t.Fatal(err)
		}
		d.Chain.Commit()
		if reorgEvery > 0 && i%reorgEvery == reorgEvery-1 {
			if err := d.Chain.Reorg(ctx, 2, 3); err != nil {
				t.Fatal(err)
			}
			traffic.ResetNonces()
			fleet.ResetNonces()
		}
	}
	d.follow(t, reg)
	return d
}

func (d *Demo) follow(t testing.TB, reg *decode.Registry) {
	t.Helper()
	zero := uint64(0)
	src := evmSource(d.Chain)
	pub, err := kafka.NewPublisher(context.Background(), d.Kafka, "devchain", Logger(), nil)
	if err != nil {
		t.Fatal(err)
	}
	f := follow.New(follow.Config{Chain: "devchain", Window: 64, Confirmations: 8, From: &zero, FlushInterval: 5 * time.Millisecond},
		follow.Enriched(src, decode.NewDecoder(reg, nil)), pub, Logger(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	f.OnProgress(func(p follow.Progress) {
		d.mu.Lock()
		d.progress = p
		d.mu.Unlock()
	})
	go func() { done <- f.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-done
		pub.Close()
	})
	head, err := d.Chain.Client().HeaderByNumber(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := lowerHex(head.Hash().Bytes())
	WaitFor(t, 60*time.Second, "the follower to publish the demo chain's head", func() bool {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("follower stopped: %v", err)
		default:
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		return d.progress.HeadHash == want
	})
}

func evmSource(c *devchain.Chain) *evm.Source {
	return evm.New(c.RPC(), evm.Config{Chain: "devchain"}, Logger(), nil)
}

func lowerHex(b []byte) string { return "0x" + hex.EncodeToString(b) }
