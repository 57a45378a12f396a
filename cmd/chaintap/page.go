package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap/battery"
	"github.com/chaintap/chaintap/httpapi"
	"github.com/chaintap/chaintap/kafka"
)

// servePage serves the API and the page on addr. Its tables are built from
// Kafka (the chain's events and blocks head-view topics), not from the
// chain: what the page shows went through the topics.
func servePage(ctx context.Context, g *errgroup.Group, addr string, kcfg kafka.Config, chain string, locker httpapi.Locker, log *slog.Logger) (string, error) {
	topics := kafka.TopicsFor(kcfg.Topics.Prefix, chain)
	table := battery.NewTable("BatteryRegistry")
	blocks := httpapi.NewRecentBlocks(20)
	eventsTopic, blocksTopic := topics.Head("events"), topics.Head("blocks")
	g.Go(func() error {
		return kafka.Tail(ctx, kcfg, []string{eventsTopic, blocksTopic}, func(r *kgo.Record) {
			switch r.Topic {
			case eventsTopic:
				table.Apply(string(r.Key), r.Value)
			case blocksTopic:
				blocks.Apply(string(r.Key), r.Value)
			}
		})
	})
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("page address %s: %w", addr, err)
	}
	serveHTTP(ctx, g, l, httpapi.New(table, locker, blocks, log))
	return "http://" + l.Addr().String(), nil
}
