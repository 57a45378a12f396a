package battery

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/contracts"
)

const registry = "0xD9145CCE52D386f254917e481eB44e9943F39138"

var src = Source{Contract: "BatteryRegistry", Registry: registry}

// charge is a ChargeRecorded record of bat in block at tx index 0.
func charge(block uint64, cycles int) []byte {
	return event("ChargeRecorded", block, 0, fmt.Sprintf(`{"battery":%q,"by":"0xAB","chargeCycles":"%d"}`, bat, cycles))
}

// refusedTx is a transactions-topic record of a recordCharge call.
func refusedTx(block, index uint64, to, battery string, status uint64) []byte {
	b, _ := json.Marshal(chaintap.Tx{Hash: fmt.Sprintf("0xT%d", block), FromAddress: "0xStation", ToAddress: &to, BlockNumber: block,
		TransactionIndex: index, ReceiptStatus: &status, Input: recordChargeSelector + strings.Repeat("0", 24) + battery[2:]})
	return b
}

func kinds(evs []Event) string {
	var s []string
	for _, e := range evs {
		s = append(s, fmt.Sprint(e.Kind, "@", e.Block))
	}
	return strings.Join(s, " ")
}

// TestRecentKeepsNewest: a battery keeps its newest events in chain order,
// whatever order they arrive in, newest first on reading, bounded by size.
func TestRecentKeepsNewest(t *testing.T) {
	r := NewRecent(src, 3)
	news, stop := r.Subscribe()
	defer stop()
	r.ApplyEvent("reg", event("BatteryRegistered", 1, 0, `{"battery":"`+bat+`","owner":"0xO","yearBuilt":"2021","country":"DE"}`))
	for _, b := range []uint64{3, 5, 4} {
		r.ApplyEvent(fmt.Sprint("c", b), charge(b, int(b)))
	}
	r.ApplyEvent("c2", charge(2, 2)) // older than the three kept: dropped
	r.ApplyEvent("x", event("Transfer", 6, 0, `{"from":"0xA"}`))
	if got := kinds(r.Latest(bat, 0)); got != "charged@5 charged@4 charged@3" {
		t.Fatalf("latest = %s", got)
	}
	if got := kinds(r.Latest(strings.ToLower(bat), 2)); got != "charged@5 charged@4" {
		t.Fatalf("latest 2 = %s", got)
	}
	if n := len(news); n != 4 { // the registration and three charges; not the one that was too old
		t.Fatalf("%d events pushed, want 4", n)
	}
	if e := r.Latest(bat, 1)[0]; e.ChargeCycles != 5 || e.By != "0xab" || e.Battery != strings.ToLower(bat) || e.Key != "c5" {
		t.Fatalf("newest = %+v", e)
	}
}

// TestRecentRetraction: a reorg's retraction removes the orphaned event
// and is pushed so a page can drop it; its replacement is kept again.
func TestRecentRetraction(t *testing.T) {
	r := NewRecent(src, 20)
	r.ApplyEvent("reg", event("BatteryRegistered", 1, 0, `{"battery":"`+bat+`","owner":"0xO","yearBuilt":"2021","country":"DE"}`))
	r.ApplyEvent("lock", event("BatteryLocked", 2, 0, `{"battery":"`+bat+`","owner":"0xO"}`))
	r.ApplyTx("0xT3", refusedTx(3, 1, registry, bat, 0))
	news, stop := r.Subscribe()
	defer stop()
	r.ApplyEvent("lock", nil)
	r.ApplyTx("0xT3", nil)
	r.ApplyEvent("never-seen", nil)
	if got := kinds(r.Latest(bat, 0)); got != "registered@1" {
		t.Fatalf("after retractions latest = %s", got)
	}
	for _, want := range []string{"lock", "0xT3"} {
		if e := <-news; !e.Retracted || e.Key != want {
			t.Fatalf("pushed %+v, want the retraction of %s", e, want)
		}
	}
	if len(news) != 0 {
		t.Fatalf("a retraction of an unknown key was pushed: %+v", <-news)
	}
	r.ApplyEvent("lock", event("BatteryLocked", 3, 0, `{"battery":"`+bat+`","owner":"0xO"}`)) // re-included by the new chain
	if got := kinds(r.Latest(bat, 0)); got != "locked@3 registered@1" {
		t.Fatalf("after the replacement latest = %s", got)
	}
	r.ApplyEvent("reg", nil)
	r.ApplyEvent("lock", nil)
	if l := r.Latest(bat, 0); len(l) != 0 || len(r.lists) != 0 || len(r.where) != 0 {
		t.Fatalf("a battery with every event retracted still holds %v, %v, %v", l, r.lists, r.where)
	}
}

// TestRecentRefusedCharges: a failed recordCharge call to the registry is
// the battery's refused charge; a successful one, one to another contract,
// or another call is not.
func TestRecentRefusedCharges(t *testing.T) {
	r := NewRecent(src, 20)
	lower := strings.ToLower(registry)
	r.ApplyTx("ok", refusedTx(1, 0, lower, bat, 1))
	r.ApplyTx("other", refusedTx(2, 0, "0x0000000000000000000000000000000000000001", bat, 0))
	r.ApplyTx("refused", refusedTx(3, 2, lower, bat, 0))
	odd, _ := json.Marshal(chaintap.Tx{Hash: "0xodd", ToAddress: &lower, ReceiptStatus: new(uint64), Input: "0xa9059cbb" + strings.Repeat("0", 128)})
	r.ApplyTx("odd", odd)
	r.ApplyTx("bad", []byte(`{not json`))
	l := r.Latest(bat, 0)
	if len(l) != 1 {
		t.Fatalf("kept %s, want the one refused charge", kinds(l))
	}
	want := Event{Key: "refused", Battery: strings.ToLower(bat), Kind: KindChargeRefused, By: "0xstation", Block: 3, TransactionHash: "0xt3", TransactionIndex: 2}
	if l[0] != want {
		t.Fatalf("refused charge = %+v, want %+v", l[0], want)
	}
	unknown := NewRecent(Source{Contract: "BatteryRegistry"}, 20)
	unknown.ApplyTx("refused", refusedTx(3, 2, lower, bat, 0))
	if n := len(unknown.Latest(bat, 0)); n != 0 {
		t.Fatal("without a registry address a transaction was taken for a refused charge")
	}
}

// TestRecentOrdersWithinABlock: a refused charge and the events of other
// transactions of its block are in transaction order.
func TestRecentOrdersWithinABlock(t *testing.T) {
	r := NewRecent(src, 20)
	b, _ := json.Marshal(chaintap.Event{ContractName: "BatteryRegistry", EventName: "BatteryLocked", BlockNumber: 7, TransactionIndex: 3, LogIndex: 9,
		Args: json.RawMessage(`{"battery":"` + bat + `","owner":"0xO"}`)})
	r.ApplyEvent("lock", b)
	r.ApplyTx("refused", refusedTx(7, 1, registry, bat, 0))
	if got := kinds(r.Latest(bat, 0)); got != "locked@7 charge_refused@7" {
		t.Fatalf("latest = %s", got)
	}
}

// TestRecordChargeSelector: the selector recognised is the contract's.
func TestRecordChargeSelector(t *testing.T) {
	parsed, err := abi.JSON(strings.NewReader(string(contracts.BatteryRegistryABI)))
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprintf("0x%x", parsed.Methods["recordCharge"].ID); got != recordChargeSelector {
		t.Fatalf("recordCharge's selector is %s, the code has %s", got, recordChargeSelector)
	}
}

func event(name string, block, idx uint64, args string) []byte {
	b, _ := json.Marshal(chaintap.Event{Type: "event", ContractName: "BatteryRegistry", EventName: name, BlockNumber: block, LogIndex: idx, Args: json.RawMessage(args)})
	return b
}

const bat = "0xAbC0000000000000000000000000000000000001"
