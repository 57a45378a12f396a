package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/battery"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/gateway"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/internal/testseed"
	"github.com/chaintap/chaintap/kafka"
)

// TestUpLoopSurvivesKills runs the demo's whole loop (charging sessions,
// joined with stations and the battery table into enriched_transactions,
// the write-back asking the gateway to record each charge on the chain)
// and kills `chaintap up` with SIGKILL three times at random moments:
// broker, devchain, engine, gateway and write-back all die at once. Then
// every unblocked session up to a cut has exactly one charge transaction
// on the chain, from the gateway's station, in a canonical block; sessions
// of blocked batteries have none; and the station sent nothing else.
func TestUpLoopSurvivesKills(t *testing.T) {
	if testing.Short() {
		t.Skip("runs and kills chaintap up")
	}
	rng := rand.New(rand.NewPCG(testseed.Seed(t), 0))
	u := newUpRun(t)
	u.extra = []string{"--session-interval", "100ms", "--log-level", "info"}
	kcfg := u.kafka()
	u.start()
	ingesttest.WaitFor(t, 90*time.Second, "the first charges written back", func() bool {
		n := 0
		for _, st := range chargeRequests(t, kcfg) {
			if st.BlockNumber > 0 {
				n++
			}
		}
		return n >= 2
	})
	for range 3 {
		time.Sleep(time.Duration(500+rng.IntN(4000)) * time.Millisecond)
		u.kill()
		u.start()
	}
	time.Sleep(5 * time.Second)
	cut := handedOver(t, kcfg)
	produced := map[string]int{}
	if err := kafka.ReadTopic(context.Background(), kcfg, battery.SessionsTopic, 0, func(r *kgo.Record) error {
		var s struct {
			ID string `json:"SESSION_ID"`
		}
		_ = json.Unmarshal(r.Value, &s)
		produced[s.ID]++
		if produced[s.ID] > 1 {
			t.Errorf("two sessions have the id %s (offset %d)", s.ID, r.Offset)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	unblocked, blocked := enrichedSessions(t, kcfg, cut)
	var reqs map[string]gateway.State
	ingesttest.WaitFor(t, 90*time.Second, "the sessions' charges mined", func() bool {
		reqs = chargeRequests(t, kcfg)
		for id := range unblocked {
			if st, ok := reqs[battery.ChargeKey(id)]; ok && st.BlockNumber == 0 {
				return false
			}
		}
		return true
	})
	locked := lockedBatteries(t, kcfg)
	for id, bat := range unblocked {
		if _, ok := reqs[battery.ChargeKey(id)]; !ok && !locked[bat] {
			t.Errorf("session %s of battery %s (never locked) has no charge request", id, bat)
		}
	}
	for id := range blocked {
		if _, ok := reqs[battery.ChargeKey(id)]; ok {
			t.Errorf("session %s of a blocked battery was charged", id)
		}
	}
	var station, registry common.Address
	for _, st := range reqs {
		station, registry = common.HexToAddress(st.From), common.HexToAddress(st.To)
	}
	// The chain first, then the requests: a transaction is persisted
	// signed before it is sent, so every charge in the scanned blocks has
	// its request in the state read after.
	onChain := stationCharges(t, "http://"+u.rpcAddr, station, registry)
	reqs = chargeRequests(t, kcfg)
	checkExactlyOnce(t, onChain, reqs, unblocked)
	t.Logf("%d unblocked and %d blocked sessions up to the cut, %d charge requests", len(unblocked), len(blocked), len(reqs))
}

// kill stops chaintap up with SIGKILL: nothing of it gets to clean up.
func (u *upRun) kill() {
	u.t.Helper()
	if u.cmd == nil {
		return
	}
	_ = u.cmd.Process.Kill()
	_ = u.cmd.Wait()
	u.cmd = nil
	fmt.Fprintf(u.log, "=== %s: killed\n", time.Now().Format(time.TimeOnly))
}

// handedOver waits until the write-back has committed its offsets up to
// the committed end of enriched_transactions as it is now, and returns
// that end: every session before it was handed to the gateway (or skipped
// as blocked).
func handedOver(t *testing.T, kcfg kafka.Config) map[int32]int64 {
	t.Helper()
	cl, err := kcfg.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	adm := kadm.NewClient(cl)
	ctx := context.Background()
	ends, err := adm.ListCommittedOffsets(ctx, battery.EnrichedTopic)
	if err != nil || ends.Error() != nil {
		t.Fatalf("end of %s: %v %v", battery.EnrichedTopic, err, ends.Error())
	}
	cut := map[int32]int64{}
	ends.Each(func(o kadm.ListedOffset) { cut[o.Partition] = o.Offset })
	ingesttest.WaitFor(t, 60*time.Second, "the write-back to reach the cut", func() bool {
		got, err := adm.FetchOffsets(ctx, writeBackGroup)
		if err != nil {
			return false
		}
		for p, end := range cut {
			o, ok := got.Lookup(battery.EnrichedTopic, p)
			if end > 0 && (!ok || o.At < end) {
				return false
			}
		}
		return true
	})
	return cut
}

// enrichedSessions reads enriched_transactions before cut: session id →
// battery, split by whether the battery was blocked when joined.
func enrichedSessions(t *testing.T, kcfg kafka.Config, cut map[int32]int64) (unblocked, blocked map[string]string) {
	t.Helper()
	unblocked, blocked = map[string]string{}, map[string]string{}
	err := kafka.ReadTopic(context.Background(), kcfg, battery.EnrichedTopic, 0, func(r *kgo.Record) error {
		var s struct {
			ID      string `json:"SESSION_ID"`
			Blocked bool   `json:"BLOCKED"`
		}
		if r.Offset >= cut[r.Partition] || json.Unmarshal(r.Value, &s) != nil {
			return nil
		}
		if _, dup := unblocked[s.ID]; dup {
			t.Errorf("session %s enriched twice (offset %d, partition %d, headers %v, value %s)", s.ID, r.Offset, r.Partition, r.Headers, r.Value)
		}
		if s.Blocked {
			blocked[s.ID] = string(r.Key)
		} else {
			unblocked[s.ID] = string(r.Key)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return unblocked, blocked
}

// chargeRequests folds the gateway's state topic: the write-back's
// requests by idempotency key. A broker not up yet reads as nothing.
func chargeRequests(t *testing.T, kcfg kafka.Config) map[string]gateway.State {
	t.Helper()
	out := map[string]gateway.State{}
	err := kafka.ReadTopic(context.Background(), kcfg, gateway.TopicsFor("", "devchain").State, 0, func(r *kgo.Record) error {
		var st gateway.State
		if err := json.Unmarshal(r.Value, &st); err != nil {
			return err
		}
		if strings.HasPrefix(st.IdempotencyKey, battery.ChargeKey("")) {
			out[st.IdempotencyKey] = st
		}
		return nil
	})
	if err != nil {
		t.Logf("reading the gateway's state: %v", err)
	}
	for key, st := range out {
		if st.Status == gateway.StatusFailed {
			t.Fatalf("charge request %s failed: %+v", key, st)
		}
	}
	return out
}

// lockedBatteries are the batteries with a BatteryLocked event: a session
// joined while its battery was unlocked may meet it locked at the
// write-back, which then sends nothing (the chain would refuse it).
func lockedBatteries(t *testing.T, kcfg kafka.Config) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, v := range ingesttest.Fold(t, kcfg, "devchain.events") {
		var ev chaintap.Event
		if json.Unmarshal(v, &ev) != nil || ev.EventName != "BatteryLocked" {
			continue
		}
		var args struct{ Battery string }
		if json.Unmarshal(ev.Args, &args) == nil {
			out[strings.ToLower(args.Battery)] = true
		}
	}
	return out
}

// stationCharges scans the canonical chain: the hashes of the
// transactions from station to registry, with their blocks.
func stationCharges(t *testing.T, url string, station, registry common.Address) map[common.Hash]uint64 {
	t.Helper()
	ctx := context.Background()
	node, err := ethclient.DialContext(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer node.Close()
	head, err := node.BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	signer := types.LatestSignerForChainID(big.NewInt(devchain.ChainID))
	out := map[common.Hash]uint64{}
	for n := uint64(1); n <= head; n++ {
		b, err := node.BlockByNumber(ctx, new(big.Int).SetUint64(n))
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range b.Transactions() {
			if from, err := types.Sender(signer, tx); err == nil && from == station && tx.To() != nil && *tx.To() == registry {
				out[tx.Hash()] = n
			}
		}
	}
	return out
}

// checkExactlyOnce: every charge on chain is one request's (one of the
// hashes it was signed as: a fee bump re-signs), no request has two, and
// every mined request of want is on chain.
func checkExactlyOnce(t *testing.T, onChain map[common.Hash]uint64, reqs map[string]gateway.State, want map[string]string) {
	t.Helper()
	owner := map[common.Hash]string{}
	for key, st := range reqs {
		for _, h := range append(st.Hashes, st.TxHash) {
			owner[common.HexToHash(h)] = key
		}
	}
	seen := map[string]common.Hash{}
	for h, n := range onChain {
		key, ok := owner[h]
		switch {
		case !ok:
			t.Errorf("block %d: the station sent %s, which no charge request names", n, h)
		case seen[key] != common.Hash{}:
			t.Errorf("request %s is on chain twice: %s and %s", key, seen[key], h)
		}
		seen[key] = h
	}
	for id := range want {
		key := battery.ChargeKey(id)
		if st, ok := reqs[key]; ok && st.BlockNumber > 0 && seen[key] == (common.Hash{}) {
			t.Errorf("request %s says mined in block %d, but its transaction is not on chain", key, st.BlockNumber)
		}
	}
}
