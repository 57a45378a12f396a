package ingesttest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/battery"
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
	traffic   *devchain.Traffic
	rng       *rand.Rand
	mu        sync.Mutex
	progress  follow.Progress // the newest
	done      chan error      // the follower's result
}

// Grow makes rounds more blocks of battery, token and random traffic,
// with a reorg of depth 2 every reorgEvery blocks (0: none; skipped when
// it would orphan a finalized block). The follower keeps following;
// WaitCaughtUp waits for it. Not safe for concurrent use.
func (d *Demo) Grow(ctx context.Context, rounds, reorgEvery int) error {
	for i := range rounds {
		if err := d.Fleet.Step(ctx, d.rng, 3); err != nil {
			return err
		}
		if err := d.traffic.Send(ctx, d.rng, 2); err != nil {
			return err
		}
		d.Chain.Commit()
		if reorgEvery > 0 && i%reorgEvery == reorgEvery-1 {
			// Just after the simulated beacon finalizes a block (every
			// 32nd) fewer than 2 blocks may be above it: that reorg is
			// skipped, as on a real chain.
			if err := d.Chain.Reorg(ctx, 2, 3); err != nil && !errors.Is(err, devchain.ErrBelowFinalized) {
				return err
			}
			d.traffic.ResetNonces()
			d.Fleet.ResetNonces()
		}
	}
	return nil
}

// DemoChain deploys the demo's contracts on a devchain, makes rounds
// blocks of battery, token and random traffic (with a reorg of depth 2
// every reorgEvery blocks, 0 for none), and follows it (chain name
// "devchain") into an embedded broker until the follower has published
// the head. The follower stops with the test.
func DemoChain(t testing.TB, rounds, reorgEvery int) *Demo {
	t.Helper()
	return DemoChainPartitioned(t, rounds, reorgEvery, 0)
}

// DemoChainPartitioned is DemoChain with the chain's topics created with
// partitions partitions (0: the default, one), so that queries over them
// run as that many tasks, which instances can share. Records are
// partitioned by key, so a retraction follows its record.
func DemoChainPartitioned(t testing.TB, rounds, reorgEvery int, partitions int32) *Demo {
	t.Helper()
	ctx := context.Background()
	d := &Demo{Kafka: Broker(t)}
	d.Kafka.Topics.Partitions = partitions
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
	d.traffic, d.rng = traffic, rand.New(rand.NewPCG(7, 7))
	if err := d.Grow(ctx, rounds, reorgEvery); err != nil {
		t.Fatal(err)
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
	d.done = done
	d.WaitCaughtUp(t)
}

// WaitCaughtUp waits until the follower has published the chain's head.
func (d *Demo) WaitCaughtUp(t testing.TB) {
	t.Helper()
	head, err := d.Chain.Client().HeaderByNumber(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := lowerHex(head.Hash().Bytes())
	WaitFor(t, 60*time.Second, "the follower to publish the demo chain's head", func() bool {
		select {
		case err := <-d.done:
			d.done <- err
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

// Battery is a battery's row as the canonical chain says it should be.
type Battery struct {
	Owner, Country string
	YearBuilt      int
	ChargeCycles   int64 // the newest charge's count
	Charges        int64 // the number of canonical charge events
	Blocked        bool
	Block          uint64 // of its newest event
}

// CanonicalBatteries folds the events topic's head view (retractions
// applied) and replays the BatteryRegistry's events in chain order: what
// battery_status must hold, by lower-case battery id.
func CanonicalBatteries(t testing.TB, cfg kafka.Config, chain string) map[string]*Battery {
	t.Helper()
	var evs []chaintap.Event
	for _, v := range Fold(t, cfg, kafka.TopicsFor("", chain).Head(chaintap.EntityEvents)) {
		var ev chaintap.Event
		if err := json.Unmarshal(v, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.ContractName == "BatteryRegistry" {
			evs = append(evs, ev)
		}
	}
	sort.Slice(evs, func(i, j int) bool {
		if evs[i].BlockNumber != evs[j].BlockNumber {
			return evs[i].BlockNumber < evs[j].BlockNumber
		}
		return evs[i].LogIndex < evs[j].LogIndex
	})
	out := map[string]*Battery{}
	for _, ev := range evs {
		var a struct{ Battery, Owner, Country, YearBuilt, ChargeCycles string }
		if json.Unmarshal(ev.Args, &a) != nil || a.Battery == "" {
			continue
		}
		b := out[a.Battery]
		switch {
		case ev.EventName == "BatteryRegistered":
			b = &Battery{Owner: a.Owner, Country: a.Country}
			b.YearBuilt, _ = strconv.Atoi(a.YearBuilt)
			out[a.Battery] = b
		case b == nil:
			continue
		case ev.EventName == "ChargeRecorded":
			b.Charges++
			b.ChargeCycles, _ = strconv.ParseInt(a.ChargeCycles, 10, 64)
		case ev.EventName == "BatteryLocked":
			b.Blocked = true
		case ev.EventName == "BatteryUnlocked":
			b.Blocked = false
		}
		b.Block = ev.BlockNumber
	}
	return out
}

// BatteryDiff compares battery_status rows (key → JSON value) with the
// canonical batteries; "" when they agree, else what differs.
func BatteryDiff(got map[string]string, want map[string]*Battery) string {
	var diffs []string
	if len(got) != len(want) {
		diffs = append(diffs, fmt.Sprintf("battery_status has %d rows, the chain %d registered batteries", len(got), len(want)))
	}
	for id, w := range want {
		table := battery.NewStatuses() // reads rows as the page does
		if err := table.Apply(id, []byte(got[id])); err != nil {
			diffs = append(diffs, fmt.Sprintf("battery %s: %v", id, err))
			continue
		}
		g, _ := table.Get(id)
		if g.Owner != w.Owner || g.YearBuilt != w.YearBuilt || g.Country != w.Country || g.ChargeCycles != w.ChargeCycles ||
			g.ChargeCycles != w.Charges || g.Blocked != w.Blocked || g.Block != w.Block {
			diffs = append(diffs, fmt.Sprintf("battery %s: table %+v, chain %+v", id, g, *w))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 10 {
		diffs = append(diffs[:10], fmt.Sprintf("… %d more", len(diffs)-10))
	}
	return strings.Join(diffs, "\n")
}
