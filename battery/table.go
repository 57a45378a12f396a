// Package battery is the demo's battery-status table: the latest state of
// every battery, folded from the BatteryRegistry's decoded events as they
// arrive from Kafka (like ksqlDB's SELECT * FROM BATTERYSTATUS_TABLE EMIT
// CHANGES). It is pure logic: whoever reads the topic feeds it.
package battery

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/internal/fanout"
)

// Status is one battery's row.
type Status struct {
	ID           string `json:"id"`    // the battery's account address, lower-case 0x-hex
	Owner        string `json:"owner"` // lower-case 0x-hex
	YearBuilt    int    `json:"year_built"`
	Country      string `json:"country"`
	ChargeCycles int64  `json:"charge_cycles"`
	Blocked      bool   `json:"blocked"`
	// Block is the block of the newest event applied.
	Block uint64 `json:"block"`
}

// Table folds events into statuses. A retraction (a reorg orphaned the
// event) removes the event and the battery's row is folded again from the
// events that remain, so the table always equals the canonical chain.
type Table struct {
	contract string // contract name whose events are folded
	mu       sync.Mutex
	// events holds the live events by lower-case battery id, then by
	// record key: a change refolds one battery, not every event seen.
	events  map[string]map[string]chaintap.Event
	battery map[string]string // record key → lower-case battery id
	rows    map[string]Status // by lower-case id
	changes fanout.Hub[Status]
}

// NewTable folds the events of the contract named contract.
func NewTable(contract string) *Table {
	return &Table{contract: contract, events: map[string]map[string]chaintap.Event{}, battery: map[string]string{},
		rows: map[string]Status{}}
}

// Apply takes one record of the events topic: value nil is a retraction of
// key. Records of other contracts and undecodable values are ignored.
func (t *Table) Apply(key string, value []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var id string
	if value == nil {
		var ok bool
		if id, ok = t.battery[key]; !ok {
			return
		}
		delete(t.battery, key)
		delete(t.events[id], key)
	} else {
		var ev chaintap.Event
		if json.Unmarshal(value, &ev) != nil || ev.ContractName != t.contract {
			return
		}
		if id = batteryOf(ev); id == "" {
			return
		}
		if t.events[id] == nil {
			t.events[id] = map[string]chaintap.Event{}
		}
		t.events[id][key], t.battery[key] = ev, id
	}
	row, ok := t.fold(id)
	if ok {
		t.rows[id] = row
	} else {
		delete(t.rows, id)
	}
	t.changes.Send(row) // a slow subscriber misses changes, never blocks the table
}

type args struct {
	Battery      string `json:"battery"`
	Owner        string `json:"owner"`
	By           string `json:"by"`
	YearBuilt    string `json:"yearBuilt"`
	Country      string `json:"country"`
	ChargeCycles string `json:"chargeCycles"`
}

// batteryOf is the lower-case id of the battery ev is about ("" if none):
// decoded events may carry addresses checksummed or lower-case, and the
// table must not hold one battery twice.
func batteryOf(ev chaintap.Event) string {
	var a args
	if json.Unmarshal(ev.Args, &a) != nil {
		return ""
	}
	return strings.ToLower(a.Battery)
}

// fold recomputes a battery's row (id lower-case) from its live events in
// chain order.
func (t *Table) fold(id string) (Status, bool) {
	evs := make([]chaintap.Event, 0, len(t.events[id]))
	for _, ev := range t.events[id] {
		evs = append(evs, ev)
	}
	sort.Slice(evs, func(i, j int) bool {
		if evs[i].BlockNumber != evs[j].BlockNumber {
			return evs[i].BlockNumber < evs[j].BlockNumber
		}
		return evs[i].LogIndex < evs[j].LogIndex
	})
	row := Status{ID: id}
	registered := false
	for _, ev := range evs {
		var a args
		_ = json.Unmarshal(ev.Args, &a)
		switch ev.EventName {
		case "BatteryRegistered":
			registered = true
			row.Owner, row.Country = strings.ToLower(a.Owner), a.Country
			row.YearBuilt, _ = strconv.Atoi(a.YearBuilt)
		case "ChargeRecorded":
			row.ChargeCycles, _ = strconv.ParseInt(a.ChargeCycles, 10, 64)
		case "BatteryLocked":
			row.Blocked = true
		case "BatteryUnlocked":
			row.Blocked = false
		}
		row.Block = ev.BlockNumber
	}
	return row, registered
}

// Get returns a battery's row by id (any case).
func (t *Table) Get(id string) (Status, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.rows[strings.ToLower(id)]
	return s, ok
}

// All returns every row, ordered by id.
func (t *Table) All() []Status {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Status, 0, len(t.rows))
	for _, s := range t.rows {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Subscribe returns a channel of changed rows (a row whose battery lost
// its registration has only its id, lower-case like every row's) and a function that ends the
// subscription.
func (t *Table) Subscribe() (<-chan Status, func()) { return t.changes.Subscribe(256) }
