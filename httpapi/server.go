// Package httpapi serves the REST API, server-sent events and the live
// page (embedded assets, no CDN). It knows the demo's tables and the
// chain only through small interfaces, so what backs them can change
// without touching the page.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/chaintap/chaintap/battery"
)

// Batteries is the battery-status table. Ids are matched in any case.
type Batteries interface {
	Get(id string) (battery.Status, bool)
	All() []battery.Status // ordered by id
	Subscribe() (<-chan battery.Status, func())
}

// Events holds each battery's recent events.
type Events interface {
	// Latest returns a battery's events (id in any case), newest first, at
	// most limit of them.
	Latest(id string, limit int) []battery.Event
	Subscribe() (<-chan battery.Event, func())
}

// Locker asks for a lock or unlock transaction (from "" means the
// battery's owner) and returns once it is mined. The page holds no keys:
// in `chaintap up` the Locker is the transaction gateway, the one nonce
// authority for the owners' keys.
type Locker interface {
	SetBlocked(ctx context.Context, battery, from string, blocked bool) (Sent, error)
}

// Sent is what the page shows of a mined lock or unlock.
type Sent struct {
	RequestID   string `json:"request_id"`
	TxHash      string `json:"tx_hash"`
	BlockNumber uint64 `json:"block_number"`
}

// Sources names the topics the page's tables are built from, so the page
// can say so.
type Sources struct {
	Chain        string `json:"chain"`
	Events       string `json:"events_topic"`
	Blocks       string `json:"blocks_topic"`
	Transactions string `json:"transactions_topic"`
	Reorgs       string `json:"reorgs_topic"`
}

// Config is what the API serves. Batteries, Events and Blocks are
// required.
type Config struct {
	Batteries Batteries
	Events    Events
	Blocks    *RecentBlocks
	Locker    Locker              // nil: no devchain, read-only
	Metrics   prometheus.Gatherer // served at /metrics; nil: none registered
	Sources   Sources
	Log       *slog.Logger // nil: discard
	// Ref serves PUT and DELETE /api/ref/… (reference data, see
	// package refdata); nil: not served.
	Ref http.Handler
	// Sessions and Notifications are the demo's enriched charging
	// sessions and its notifications; nil: none (the lists are empty).
	Sessions, Notifications *RecentRows
	// OtherChains are followed beside the demo's chain (up --bitcoin's
	// regtest chain): the page shows their latest blocks too.
	OtherChains []OtherChain
}

// OtherChain is a chain whose latest blocks the page shows beside the
// demo's.
type OtherChain struct {
	Name        string        `json:"name"`
	Family      string        `json:"family"`
	BlocksTopic string        `json:"blocks_topic"`
	Blocks      *RecentBlocks `json:"-"` // made with NewChainBlocks(Name, …)
}

// Server is the HTTP API.
type Server struct {
	cfg Config
	mux *http.ServeMux
}

// New returns the API.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = prometheus.NewRegistry()
	}
	s := &Server{cfg: cfg, mux: http.NewServeMux()}
	s.routeAssets()
	s.mux.HandleFunc("GET /healthz", s.health)
	s.mux.Handle("GET /metrics", promhttp.HandlerFor(cfg.Metrics, promhttp.HandlerOpts{ErrorLog: slog.NewLogLogger(cfg.Log.Handler(), slog.LevelError)}))
	s.mux.HandleFunc("GET /api/info", s.info)
	s.mux.HandleFunc("GET /api/batteries", s.listBatteries)
	s.mux.HandleFunc("GET /api/batteries/{id}", s.getBattery)
	s.mux.HandleFunc("GET /api/batteries/{id}/events", s.listEvents)
	s.mux.HandleFunc("POST /api/batteries/{id}/lock", s.setBlocked(true))
	s.mux.HandleFunc("POST /api/batteries/{id}/unlock", s.setBlocked(false))
	s.mux.HandleFunc("GET /api/blocks", s.listBlocks)
	s.mux.HandleFunc("GET /api/chains", s.listChains)
	s.mux.HandleFunc("GET /api/chains/{chain}/blocks", s.listChainBlocks)
	s.mux.HandleFunc("GET /api/stream", s.stream)
	s.mux.HandleFunc("GET /api/sessions", listRows(cfg.Sessions))
	s.mux.HandleFunc("GET /api/notifications", listRows(cfg.Notifications))
	if cfg.Ref != nil {
		s.mux.Handle("PUT /api/ref/{table}/{key}", cfg.Ref)
		s.mux.Handle("DELETE /api/ref/{table}/{key}", cfg.Ref)
	}
	return s
}

// ServeHTTP implements http.Handler. A request no route takes gets a JSON
// error like every other: 404, or 405 with the Allow header.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, pattern := s.mux.Handler(r); pattern == "" {
		noRoute(w, r, h)
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) info(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.cfg.Sources)
}
