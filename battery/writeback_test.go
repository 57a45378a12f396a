package battery_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/battery"
	"github.com/chaintap/chaintap/contracts"
	"github.com/chaintap/chaintap/decode"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/gateway"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/kafka"
)

// TestWriteBackRecordsEachSessionOnce hands enriched sessions to the
// transaction gateway twice (a second consumer group replays them all, as
// after a crash before the offsets were committed): on chain, each
// unblocked session's charge is recorded exactly once, and the sessions of
// blocked batteries are not charged.
func TestWriteBackRecordsEachSessionOnce(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := devchain.Start(devchain.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fleet, err := devchain.NewFleet(ctx, c, c.Seed(), "")
	if err != nil {
		t.Fatal(err)
	}
	go c.SealEvery(ctx, 50*time.Millisecond)
	station, err := fleet.GatewayStation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kcfg := ingesttest.Broker(t)
	reg, err := decode.ParseContract("BatteryRegistry", fleet.Registry().Hex(), contracts.BatteryRegistryABI)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := gateway.New(gateway.Config{Chain: "devchain", Kafka: kcfg, Contracts: []decode.Contract{reg},
		Signers: map[string]gateway.Signer{"station": gateway.NewKeySigner(station)}, PollInterval: 50 * time.Millisecond,
		Confirmations: 1}, c.Client(), nil, prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	ingesttest.Background(t, gw.Run)

	bs := fleet.Batteries()
	before := cycles(t, c, fleet, bs[:3])
	sessions := map[string]int{} // key → unblocked sessions of it
	var recs []*kgo.Record
	for i := range 12 {
		b := strings.ToLower(bs[i%3].Hex())
		blocked := i%3 == 2 // the third battery's sessions come blocked
		recs = append(recs, enriched(b, fmt.Sprintf("s-%d", i), blocked))
		if !blocked {
			sessions[b]++
		}
	}
	recs = append(recs, enriched(strings.ToLower(bs[0].Hex()), "s-0", false)) // the same session again
	produceEnriched(t, kcfg, recs)

	for _, group := range []string{"writeback-1", "writeback-2"} {
		wb := battery.WriteBack{Kafka: kcfg, Group: group, From: "station", Contract: "BatteryRegistry", Gateway: gw, Log: slog.New(slog.DiscardHandler)}
		stop := ingesttest.Background(t, wb.Run)
		ingesttest.WaitFor(t, 60*time.Second, "every unblocked session's charge mined", func() bool {
			for i := range 12 {
				if i%3 == 2 {
					continue
				}
				st, err := gw.Get(gateway.RequestID(battery.ChargeKey(fmt.Sprintf("s-%d", i))))
				if err != nil || (st.Status != gateway.StatusMined && st.Status != gateway.StatusConfirmed) {
					return false
				}
			}
			return true
		})
		if err := stop(); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 { // anything sent twice would be mined by now
		c.Commit()
	}
	after := cycles(t, c, fleet, bs[:3])
	for i, b := range bs[:3] {
		if got, want := after[i]-before[i], uint32(sessions[strings.ToLower(b.Hex())]); got != want {
			t.Errorf("battery %s: %d charges recorded on chain, want %d (its unblocked sessions, each once)", b.Hex(), got, want)
		}
	}
}

func enriched(id, session string, blocked bool) *kgo.Record {
	v, _ := json.Marshal(map[string]any{"SESSION_ID": session, "BLOCKED": blocked, "CITY": "Berlin"})
	return &kgo.Record{Topic: battery.EnrichedTopic, Key: []byte(id), Value: v}
}

func produceEnriched(t *testing.T, kcfg kafka.Config, recs []*kgo.Record) {
	t.Helper()
	cl, err := kcfg.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := kadm.NewClient(cl).CreateTopic(context.Background(), 1, -1, nil, battery.EnrichedTopic); err != nil {
		t.Fatal(err)
	}
	if err := cl.ProduceSync(context.Background(), recs...).FirstErr(); err != nil {
		t.Fatal(err)
	}
}

// cycles reads the batteries' charge cycles from the contract.
func cycles(t *testing.T, c *devchain.Chain, fleet *devchain.Fleet, bs []common.Address) []uint32 {
	t.Helper()
	reg := contracts.NewBatteryRegistry()
	addr := fleet.Registry()
	var out []uint32
	for _, b := range bs {
		raw, err := c.Client().CallContract(context.Background(), ethereum.CallMsg{To: &addr, Data: reg.PackGetBattery(b)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		info, err := reg.UnpackGetBattery(raw)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, info.ChargeCycles)
	}
	return out
}
