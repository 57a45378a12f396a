package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"
)

// stream sends server-sent events until the client goes away: "battery"
// with a changed row, "battery_event" with a battery's new (or, with
// "retracted": true, orphaned) event, "block" with a new block (with
// "chain" for a block of one of the other chains), "session"
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
	others := make(chan BlockSummary)
	var wg sync.WaitGroup
	defer wg.Wait() // the forwarders end with the request's context
	for _, c := range s.cfg.OtherChains {
		ch, stop := c.Blocks.Subscribe()
		defer stop()
		wg.Go(func() { forward(r.Context(), ch, others) })
	}
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
		case b := <-others:
			name, v = "block", b // with its chain
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

// forward copies in to out until ctx is done or in is closed: the other
// chains' blocks, merged into one channel for the stream's select.
func forward(ctx context.Context, in <-chan BlockSummary, out chan<- BlockSummary) {
	for {
		select {
		case <-ctx.Done():
			return
		case b, ok := <-in:
			if !ok {
				return
			}
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
		}
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
