// Package httpapi serves the REST API, server-sent events and the live
// page (embedded assets, no CDN). It knows the demo's tables and the
// chain only through small interfaces, so what backs them can change
// without touching the page.
package httpapi

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/battery"
)

//go:embed assets
var assets embed.FS

// Batteries is the battery-status table.
type Batteries interface {
	Get(id string) (battery.Status, bool)
	All() []battery.Status
	Subscribe() (<-chan battery.Status, func())
}

// Locker sends lock and unlock transactions; from "" means the owner.
type Locker interface {
	SetBlocked(ctx context.Context, battery, from string, blocked bool) error
}

// Server is the HTTP API.
type Server struct {
	batteries Batteries
	locker    Locker
	blocks    *RecentBlocks
	log       *slog.Logger
	mux       *http.ServeMux
}

// New returns the API; locker may be nil (no devchain: read-only).
func New(b Batteries, locker Locker, blocks *RecentBlocks, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{batteries: b, locker: locker, blocks: blocks, log: log, mux: http.NewServeMux()}
	static, _ := fs.Sub(assets, "assets")
	s.mux.Handle("GET /", http.FileServerFS(static))
	s.mux.HandleFunc("GET /api/batteries", s.listBatteries)
	s.mux.HandleFunc("GET /api/batteries/{id}", s.getBattery)
	s.mux.HandleFunc("POST /api/batteries/{id}/lock", s.setBlocked(true))
	s.mux.HandleFunc("POST /api/batteries/{id}/unlock", s.setBlocked(false))
	s.mux.HandleFunc("GET /api/blocks", s.listBlocks)
	s.mux.HandleFunc("GET /api/stream", s.stream)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

var address = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)

func (s *Server) listBatteries(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.batteries.All())
}

func (s *Server) getBattery(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if !address.MatchString(id) {
		writeError(w, fmt.Errorf("%w: %q is not a battery id; a battery id is its account address, 0x and 40 hex digits", chaintap.ErrInvalid, id))
		return
	}
	st, ok := s.batteries.Get(id)
	if !ok {
		writeError(w, fmt.Errorf("no battery %s is registered: %w", id, chaintap.ErrNotFound))
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) setBlocked(blocked bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.locker == nil {
			writeJSON(w, http.StatusNotImplemented, map[string]string{"error": "this chaintap sends no transactions (no devchain)"})
			return
		}
		id := r.PathValue("id")
		if !address.MatchString(id) {
			writeError(w, fmt.Errorf("%w: %q is not a battery id; a battery id is its account address, 0x and 40 hex digits", chaintap.ErrInvalid, id))
			return
		}
		var body struct {
			From string `json:"from"`
		}
		if r.ContentLength > 0 {
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				writeError(w, fmt.Errorf("%w: body: %v", chaintap.ErrInvalid, err))
				return
			}
		}
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		if err := s.locker.SetBlocked(ctx, id, body.From, blocked); err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]any{"id": id, "blocked": blocked, "status": "sealed; the table updates when the event arrives through Kafka"})
	}
}

func (s *Server) listBlocks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.blocks.Latest())
}

// stream sends server-sent events: "battery" with a changed row, "block"
// with a new block, until the client goes away.
func (s *Server) stream(w http.ResponseWriter, r *http.Request) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "streaming unsupported"})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-cache")
	rows, stopRows := s.batteries.Subscribe()
	defer stopRows()
	blocks, stopBlocks := s.blocks.Subscribe()
	defer stopBlocks()
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
		case b := <-blocks:
			name, v = "block", b
		}
		data, _ := json.Marshal(v)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, data)
		flusher.Flush()
	}
}

// statusOf is the one place errors become HTTP statuses.
func statusOf(err error) int {
	switch {
	case errors.Is(err, chaintap.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, chaintap.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, chaintap.ErrRefused):
		return http.StatusForbidden
	}
	return http.StatusInternalServerError
}

func writeError(w http.ResponseWriter, err error) {
	writeJSON(w, statusOf(err), map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
