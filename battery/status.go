// Package battery is the demo's battery tables as the page serves them:
// battery_status, which the SQL engine computes from the BatteryRegistry's
// events with the demo's statements (demo.sql), and each battery's recent
// events. It is pure logic: whoever reads the topics feeds it.
package battery

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

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
	// Block is the block of the battery's newest event.
	Block uint64 `json:"block"`
}

// StatusTopic is the topic demo.sql's battery_status writes (ksqlDB's
// default: the table's name).
const StatusTopic = "BATTERY_STATUS"

// Statuses is the battery_status table: the latest row per battery from
// its changelog topic (a compacted topic: an upsert per change, a
// tombstone when a battery's registration was retracted by a reorg).
type Statuses struct {
	mu      sync.Mutex
	rows    map[string]Status // by lower-case id
	changes fanout.Hub[Status]
}

// NewStatuses returns an empty table.
func NewStatuses() *Statuses { return &Statuses{rows: map[string]Status{}} }

// row is battery_status's value as the engine writes it (ksqlDB's
// upper-case column names; the id is the record key).
type row struct {
	Owner        string `json:"OWNER"`
	YearBuilt    int    `json:"YEAR_BUILT"`
	Country      string `json:"COUNTRY"`
	ChargeCycles int64  `json:"CHARGE_CYCLES"`
	Blocked      bool   `json:"BLOCKED"`
	Block        uint64 `json:"BLOCK"`
}

// Apply takes one record of the topic: value nil deletes the battery.
func (s *Statuses) Apply(key string, value []byte) error {
	id := strings.ToLower(key)
	st := Status{ID: id}
	if value != nil {
		var r row
		if err := json.Unmarshal(value, &r); err != nil {
			return fmt.Errorf("battery_status row %s: %w", key, err)
		}
		st = Status{ID: id, Owner: strings.ToLower(r.Owner), YearBuilt: r.YearBuilt, Country: r.Country,
			ChargeCycles: r.ChargeCycles, Blocked: r.Blocked, Block: r.Block}
	}
	s.mu.Lock()
	if value == nil {
		delete(s.rows, id)
	} else {
		s.rows[id] = st
	}
	s.mu.Unlock()
	s.changes.Send(st) // a slow subscriber misses changes, never blocks the table
	return nil
}

// Get returns a battery's row by id (any case).
func (s *Statuses) Get(id string) (Status, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.rows[strings.ToLower(id)]
	return st, ok
}

// All returns every row, ordered by id.
func (s *Statuses) All() []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Status, 0, len(s.rows))
	for _, st := range s.rows {
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Subscribe returns a channel of changed rows (a deleted battery's row
// has only its id) and a function that ends the subscription.
func (s *Statuses) Subscribe() (<-chan Status, func()) { return s.changes.Subscribe(256) }
