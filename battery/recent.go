package battery

import (
	"cmp"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/internal/fanout"
)

// Kinds of Event.
const (
	KindRegistered    = "registered"
	KindCharged       = "charged"
	KindChargeRefused = "charge_refused"
	KindLocked        = "locked"
	KindUnlocked      = "unlocked"
)

// Event is one thing that happened to a battery, as the page lists it: an
// event the registry emitted, or a charge it refused. A refusal emits no
// event (the transaction reverts), so it is read from the transactions
// topic: a failed recordCharge call to the registry. Addresses are
// lower-case 0x-hex.
type Event struct {
	// Key is the record's key in its topic (a log's or a transaction's);
	// a retraction names the event by it.
	Key     string `json:"key"`
	Battery string `json:"battery"`
	Kind    string `json:"kind"`
	// By is who acted: the station or battery that charged (or tried to),
	// the owner who locked or unlocked, the owner a battery was registered to.
	By               string `json:"by,omitempty"`
	ChargeCycles     int64  `json:"charge_cycles,omitempty"` // after a charge
	YearBuilt        int    `json:"year_built,omitempty"`    // of a registration
	Country          string `json:"country,omitempty"`       // of a registration
	Block            uint64 `json:"block"`
	BlockTimestamp   uint64 `json:"block_timestamp"`
	TransactionHash  string `json:"transaction_hash"`
	TransactionIndex uint64 `json:"transaction_index"`
	LogIndex         uint64 `json:"log_index"` // 0 for a refused charge, which has no log
	// Retracted is set only on a pushed event: a reorg orphaned it and it
	// is gone from its battery's list.
	Retracted bool `json:"retracted,omitempty"`
}

// chainOrder orders events as the chain did.
func chainOrder(a, b Event) int {
	return cmp.Or(cmp.Compare(a.Block, b.Block), cmp.Compare(a.TransactionIndex, b.TransactionIndex), cmp.Compare(a.LogIndex, b.LogIndex))
}

// Source says which records are a battery's events.
type Source struct {
	Contract string // the registry's contract name in decoded events
	// Registry is the registry's address (any case); "" recognises no
	// refused charges.
	Registry string
}

// Recent keeps the newest events of every battery, at most size each, in
// chain order, with retractions applied. A retraction shortens the list: an
// older event dropped to keep the bound does not come back.
type Recent struct {
	src  Source
	size int
	mu   sync.Mutex
	// lists holds each battery's kept events, oldest first, by lower-case id.
	lists map[string][]Event
	where map[string]string // record key, prefixed by its topic's kind → battery id
	news  fanout.Hub[Event]
}

// NewRecent keeps the newest size events of each battery of src.
func NewRecent(src Source, size int) *Recent {
	src.Registry = strings.ToLower(src.Registry)
	return &Recent{src: src, size: size, lists: map[string][]Event{}, where: map[string]string{}}
}

// ApplyEvent takes one record of the events topic: value nil is a
// retraction of key. Other contracts' events are ignored.
func (r *Recent) ApplyEvent(key string, value []byte) {
	if value == nil {
		r.retract("log/" + key)
		return
	}
	if ev, ok := r.fromEvent(key, value); ok {
		r.add("log/"+key, ev)
	}
}

// ApplyTx takes one record of the transactions topic: value nil is a
// retraction of key. Only refused charges are kept.
func (r *Recent) ApplyTx(key string, value []byte) {
	if value == nil {
		r.retract("tx/" + key)
		return
	}
	if ev, ok := r.fromTx(key, value); ok {
		r.add("tx/"+key, ev)
	}
}

// Latest returns a battery's kept events (id in any case), newest first,
// at most limit of them (limit <= 0: all).
func (r *Recent) Latest(id string, limit int) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	l := r.lists[strings.ToLower(id)]
	if limit <= 0 || limit > len(l) {
		limit = len(l)
	}
	out := make([]Event, 0, limit)
	for i := len(l) - 1; len(out) < limit; i-- {
		out = append(out, l[i])
	}
	return out
}

// Subscribe returns a channel of kept and retracted events and a function
// that ends the subscription. An event too old to be kept is not sent.
func (r *Recent) Subscribe() (<-chan Event, func()) { return r.news.Subscribe(256) }

// add keeps ev under k (replacing what k held), trims its battery's list
// to size and tells subscribers if ev was kept.
func (r *Recent) add(k string, ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.removeLocked(k)
	l := r.lists[ev.Battery]
	i, _ := slices.BinarySearchFunc(l, ev, chainOrder)
	l = slices.Insert(l, i, ev)
	r.where[k] = ev.Battery
	kept := true
	for len(l) > r.size {
		kept = kept && i > 0
		i--
		delete(r.where, r.keyOf(l[0]))
		l = l[1:]
	}
	r.lists[ev.Battery] = l
	if kept {
		r.news.Send(ev)
	}
}

func (r *Recent) retract(k string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ev, ok := r.removeLocked(k); ok {
		ev.Retracted = true
		r.news.Send(ev)
	}
}

// removeLocked drops the event kept under k, if any.
func (r *Recent) removeLocked(k string) (Event, bool) {
	id, ok := r.where[k]
	if !ok {
		return Event{}, false
	}
	delete(r.where, k)
	l := r.lists[id]
	i := slices.IndexFunc(l, func(e Event) bool { return r.keyOf(e) == k })
	if i < 0 {
		return Event{}, false
	}
	ev := l[i]
	if l = slices.Delete(l, i, i+1); len(l) == 0 {
		delete(r.lists, id)
	} else {
		r.lists[id] = l
	}
	return ev, true
}

// keyOf is the internal key of a kept event: a refused charge came from
// the transactions topic, every other kind from the events topic.
func (r *Recent) keyOf(e Event) string {
	if e.Kind == KindChargeRefused {
		return "tx/" + e.Key
	}
	return "log/" + e.Key
}

// args are the BatteryRegistry events' arguments the panel shows.
type args struct {
	Battery      string `json:"battery"`
	Owner        string `json:"owner"`
	By           string `json:"by"`
	YearBuilt    string `json:"yearBuilt"`
	Country      string `json:"country"`
	ChargeCycles string `json:"chargeCycles"`
}

func (r *Recent) fromEvent(key string, value []byte) (Event, bool) {
	var ce chaintap.Event
	if json.Unmarshal(value, &ce) != nil || ce.ContractName != r.src.Contract {
		return Event{}, false
	}
	var a args
	if json.Unmarshal(ce.Args, &a) != nil || a.Battery == "" {
		return Event{}, false
	}
	ev := Event{Key: key, Battery: strings.ToLower(a.Battery), Block: ce.BlockNumber, BlockTimestamp: ce.BlockTimestamp,
		TransactionHash: strings.ToLower(ce.TransactionHash), TransactionIndex: ce.TransactionIndex, LogIndex: ce.LogIndex}
	switch ce.EventName {
	case "BatteryRegistered":
		ev.Kind, ev.By, ev.Country = KindRegistered, a.Owner, a.Country
		ev.YearBuilt, _ = strconv.Atoi(a.YearBuilt)
	case "ChargeRecorded":
		ev.Kind, ev.By = KindCharged, a.By
		ev.ChargeCycles, _ = strconv.ParseInt(a.ChargeCycles, 10, 64)
	case "BatteryLocked":
		ev.Kind, ev.By = KindLocked, a.Owner
	case "BatteryUnlocked":
		ev.Kind, ev.By = KindUnlocked, a.Owner
	default:
		return Event{}, false
	}
	ev.By = strings.ToLower(ev.By)
	return ev, true
}
