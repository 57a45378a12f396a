// Package ksqlapi serves ksqlDB's REST API over chaintap's catalog and
// queries, so that the clients people already have (the ksql CLI, the
// Java client, curl scripts, dashboards) work unchanged: /ksql for
// statements, /query-stream (HTTP/1.1 and cleartext HTTP/2, JSON and
// delimited) and /query for push and pull queries, /close-query,
// /inserts-stream, /info and /healthcheck. docs/ksqldb-api.md lists what
// is not supported.
package ksqlapi

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/query"
)

// Config is what the API serves.
type Config struct {
	Kafka kafka.Config
	// Catalog holds the chains' streams and what the statement file
	// created. The API only reads it: statements that would change it are
	// refused (see docs/ksqldb-api.md), so it needs no lock.
	Catalog *catalog.Catalog
	// Queries are the persistent queries this instance runs (SHOW QUERIES).
	Queries []catalog.Query
	// Version is chaintap's version, reported by /info.
	Version string
	Log     *slog.Logger // nil: discard
}

// Server answers ksqlDB's REST API.
type Server struct {
	cfg     Config
	queries *query.Service
	log     *slog.Logger
}

// New returns a server; nothing is connected before the first request.
func New(cfg Config) *Server {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Server{cfg: cfg, queries: query.New(cfg.Kafka, cfg.Log), log: cfg.Log}
}

// Handler routes the API's endpoints.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /info", s.info)
	mux.HandleFunc("GET /healthcheck", s.healthcheck)
	mux.HandleFunc("POST /ksql", s.ksql)
	mux.HandleFunc("POST /query-stream", s.queryStream)
	mux.HandleFunc("POST /query", s.query)
	mux.HandleFunc("POST /close-query", s.closeQuery)
	mux.HandleFunc("POST /inserts-stream", s.insertsStream)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, errNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path)
	})
	return mux
}

// Serve serves the API on l until ctx ends, over HTTP/1.1 and cleartext
// HTTP/2 (h2c with prior knowledge, as ksqlDB's Java client speaks it).
// Push queries under way end with ctx.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	var protos http.Protocols
	protos.SetHTTP1(true)
	protos.SetUnencryptedHTTP2(true)
	srv := &http.Server{Handler: s.Handler(), Protocols: &protos, ReadHeaderTimeout: 10 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	stop := context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	defer stop()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
