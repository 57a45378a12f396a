package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// stream sends server-sent events until the client goes away: "battery"
// with a changed row, "battery_event" with a battery's new (or, with
// "retracted": true, orphaned) event, "block" with a new block, "session"
// with an enriched charging session and "notification" with a
// notification.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeError(w, errors.New("streaming unsupported by this connection"))
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	rows, stopRows := s.cfg.Batteries.Subscribe()
	defer stopRows()
	events, stopEvents := s.cfg.Events.Subscribe()
	defer stopEvents()
	blocks, stopBlocks := s.cfg.Blocks.Subscribe()
	defer stopBlocks()
	sessions, stopSessions := subscribeRows(s.cfg.Sessions)
	defer stopSessions()
	notes, stopNotes := subscribeRows(s.cfg.Notifications)
	defer stopNotes()
	fmt.Fprint(w, ": connected\n\n")
	flusher.Flush()
	keepalive := time.NewTicker(15 * time.Second)
	defer keepalive.Stop()
	for {
		var name string
		var v any
		select {
		case <-r.Context().Done():
			return
		case <-keepalive.C:
			fmt.Fprint(w, ": keepalive\n\n")
			flusher.Flush()
			continue
		case row := <-rows:
			name, v = "battery", row
		case ev := <-events:
			name, v = "battery_event", ev
		case b := <-blocks:
			name, v = "block", b
		case row := <-sessions:
			name, v = "session", row
		case row := <-notes:
			name, v = "notification", row
		}
		data, _ := json.Marshal(v)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, data)
		flusher.Flush()
	}
}

// subscribeRows subscribes to rr; without rr the channel is nil, which a
// select never takes.
func subscribeRows(rr *RecentRows) (<-chan Row, func()) {
	if rr == nil {
		return nil, func() {}
	}
	return rr.Subscribe()
}
