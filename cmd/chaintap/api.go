package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/ksqlapi"
)

// listenAPI listens for ksqlDB's REST API; nil when addr is empty.
func listenAPI(addr string) (net.Listener, error) {
	if addr == "" {
		return nil, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ksqlDB API address %s: %w", addr, err)
	}
	return l, nil
}

func apiConfig(kcfg kafka.Config, cat *catalog.Catalog, prog *catalog.Program, log *slog.Logger) ksqlapi.Config {
	return ksqlapi.Config{Kafka: kcfg, Catalog: cat, Queries: prog.Queries, Version: version(), Log: log}
}

// serveAPI serves ksqlDB's REST API on l in g until ctx is done.
func serveAPI(ctx context.Context, g *errgroup.Group, l net.Listener, cfg ksqlapi.Config) {
	srv := ksqlapi.New(cfg)
	g.Go(func() error { return srv.Serve(ctx, l) })
}
