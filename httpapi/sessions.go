package httpapi

import (
	"encoding/json"
	"net/http"
	"sync"

	"github.com/chaintap/chaintap/internal/fanout"
)

// Row is one record of a stream the page shows as it comes: its columns
// as the SQL engine wrote them (upper-case names, ksqlDB's JSON).
type Row map[string]any

// RecentRows keeps the newest records of a derived stream (the demo's
// enriched_transactions and battery_notifications), oldest first.
type RecentRows struct {
	mu   sync.Mutex
	size int
	key  string // the stream's key column: the engine writes it in the record key, not the value
	rows []Row
	news fanout.Hub[Row]
}

// NewRecentRows keeps the newest size rows of a stream whose key column
// is key (a single STRING key, as the KAFKA key format writes it).
func NewRecentRows(size int, key string) *RecentRows { return &RecentRows{size: size, key: key} }

// Apply takes one record of the stream; a value that is not a JSON
// object (a tombstone) is skipped.
func (r *RecentRows) Apply(key, value []byte) {
	var row Row
	if json.Unmarshal(value, &row) != nil || row == nil {
		return
	}
	if r.key != "" {
		row[r.key] = string(key)
	}
	r.mu.Lock()
	r.rows = append(r.rows, row)
	if len(r.rows) > r.size {
		r.rows = r.rows[len(r.rows)-r.size:]
	}
	r.mu.Unlock()
	r.news.Send(row)
}

// Latest returns the kept rows, newest first.
func (r *RecentRows) Latest() []Row {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Row, len(r.rows))
	for i, row := range r.rows {
		out[len(r.rows)-1-i] = row
	}
	return out
}

// Subscribe returns a channel of new rows and a function that ends the
// subscription.
func (r *RecentRows) Subscribe() (<-chan Row, func()) { return r.news.Subscribe(64) }

// listRows answers the newest rows of rr, an empty list when the page
// runs without them (no demo).
func listRows(rr *RecentRows) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		limit, err := limitOf(r)
		if err != nil {
			writeError(w, err)
			return
		}
		if rr == nil {
			writeJSON(w, http.StatusOK, []Row{})
			return
		}
		writeJSON(w, http.StatusOK, first(rr.Latest(), limit))
	}
}
