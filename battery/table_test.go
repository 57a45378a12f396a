package battery

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chaintap/chaintap"
)

func event(name string, block, idx uint64, args string) []byte {
	b, _ := json.Marshal(chaintap.Event{Type: "event", ContractName: "BatteryRegistry", EventName: name, BlockNumber: block, LogIndex: idx, Args: json.RawMessage(args)})
	return b
}

const bat = "0xAbC0000000000000000000000000000000000001"

func TestTableFoldsAndRetracts(t *testing.T) {
	tb := NewTable("BatteryRegistry")
	changes, stop := tb.Subscribe()
	defer stop()
	tb.Apply("r", event("BatteryRegistered", 1, 0, `{"battery":"`+bat+`","owner":"0xOwner","yearBuilt":"2021","country":"DE"}`))
	tb.Apply("c1", event("ChargeRecorded", 2, 0, `{"battery":"`+bat+`","by":"0xS","chargeCycles":"1"}`))
	tb.Apply("c2", event("ChargeRecorded", 3, 0, `{"battery":"`+bat+`","by":"0xS","chargeCycles":"2"}`))
	tb.Apply("l", event("BatteryLocked", 4, 0, `{"battery":"`+bat+`","owner":"0xOwner"}`))
	tb.Apply("x", event("Transfer", 4, 1, `{"from":"a"}`)) // not a battery event
	s, ok := tb.Get("0xabc0000000000000000000000000000000000001")
	if !ok || s.YearBuilt != 2021 || s.Country != "DE" || s.ChargeCycles != 2 || !s.Blocked || s.Owner != "0xowner" {
		t.Fatalf("row = %+v", s)
	}
	// A reorg retracts the lock and the second charge.
	tb.Apply("l", nil)
	tb.Apply("c2", nil)
	if s, _ := tb.Get(bat); s.Blocked || s.ChargeCycles != 1 {
		t.Fatalf("after retractions row = %+v", s)
	}
	tb.Apply("r", nil)
	if _, ok := tb.Get(bat); ok || len(tb.All()) != 0 {
		t.Fatal("a battery whose registration was retracted is still in the table")
	}
	if n := len(changes); n != 7 {
		t.Fatalf("%d changes sent, want 7 (one per battery event)", n)
	}
}

// TestRetractedRowKeepsItsID: the change sent for a battery whose last
// event was retracted names it (lower-case, as every row), so a page can
// find its row to remove.
func TestRetractedRowKeepsItsID(t *testing.T) {
	tb := NewTable("BatteryRegistry")
	changes, stop := tb.Subscribe()
	defer stop()
	tb.Apply("r", event("BatteryRegistered", 1, 0, `{"battery":"`+bat+`","owner":"0xOwner","yearBuilt":"2021","country":"DE"}`))
	tb.Apply("r", nil)
	<-changes
	if gone := <-changes; gone.ID != strings.ToLower(bat) || gone.YearBuilt != 0 {
		t.Fatalf("removal sent as %+v", gone)
	}
}

// TestTableAddressCase: events that write a battery's address checksummed
// and events that write it lower-case (ethereum-etl's convention, which the
// topics are moving to) fold into one row, whose addresses are lower-case.
func TestTableAddressCase(t *testing.T) {
	const owner = "0x5B38Da6a701c568545dCfcB03FcB875f56beddC4"
	tb := NewTable("BatteryRegistry")
	tb.Apply("r", event("BatteryRegistered", 1, 0, `{"battery":"`+bat+`","owner":"`+owner+`","yearBuilt":"2021","country":"DE"}`))
	tb.Apply("c", event("ChargeRecorded", 2, 0, `{"battery":"`+strings.ToLower(bat)+`","by":"0xs","chargeCycles":"1"}`))
	tb.Apply("l", event("BatteryLocked", 3, 0, `{"battery":"0x`+strings.ToUpper(bat[2:])+`","owner":"`+strings.ToLower(owner)+`"}`))
	all := tb.All()
	if len(all) != 1 {
		t.Fatalf("%d rows for one battery: %+v", len(all), all)
	}
	want := Status{ID: strings.ToLower(bat), Owner: strings.ToLower(owner), YearBuilt: 2021, Country: "DE", ChargeCycles: 1, Blocked: true, Block: 3}
	if all[0] != want {
		t.Fatalf("row = %+v, want %+v", all[0], want)
	}
	for _, id := range []string{bat, strings.ToLower(bat), "0x" + strings.ToUpper(bat[2:])} {
		if s, ok := tb.Get(id); !ok || s != want {
			t.Errorf("Get(%s) = %+v, %v", id, s, ok)
		}
	}
}
