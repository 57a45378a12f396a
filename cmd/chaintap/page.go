package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/ethereum/go-ethereum/common"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/battery"
	"github.com/chaintap/chaintap/config"
	"github.com/chaintap/chaintap/httpapi"
	"github.com/chaintap/chaintap/kafka"
)

// registryName is the demo contract whose events the page folds.
const registryName = "BatteryRegistry"

// servePage serves the API and the page on addr, and metrics's metrics at
// /metrics. Its tables are read from Kafka, not from the chain: the
// battery table is the SQL engine's battery_status (demo.sql), the
// recent events and blocks come from the chain's head-view topics; what
// the page shows went through the topics.
func servePage(ctx context.Context, g *errgroup.Group, addr string, kcfg kafka.Config, chain config.Chain, others []config.Chain, locker httpapi.Locker,
	ref http.Handler, metrics prometheus.Gatherer, log *slog.Logger) (string, error) {
	topics := kafka.TopicsFor(kcfg.Topics.Prefix, chain.Name)
	sources := httpapi.Sources{Chain: chain.Name, Events: topics.Head(chaintap.EntityEvents), Blocks: topics.Head(chaintap.EntityBlocks), Transactions: topics.Head(chaintap.EntityTransactions), Reorgs: topics.Reorgs()}
	table := battery.NewStatuses()
	recent := battery.NewRecent(battery.Source{Contract: registryName, Registry: registryAddress(chain)}, 20)
	blocks := httpapi.NewRecentBlocks(20)
	sessions, notes := httpapi.NewRecentRows(20, "BATTERY"), httpapi.NewRecentRows(20, "BATTERY")
	otherChains, byTopic := otherChainBlocks(kcfg, others)
	tailed := []string{battery.StatusTopic, sources.Events, sources.Blocks, sources.Transactions, sources.Reorgs,
		battery.EnrichedTopic, battery.NotificationsTopic}
	for topic := range byTopic {
		tailed = append(tailed, topic)
	}
	g.Go(func() error {
		return kafka.Tail(ctx, kcfg, tailed, func(r *kgo.Record) {
			if apply, ok := byTopic[r.Topic]; ok {
				apply(r)
				return
			}
			switch r.Topic {
			case battery.StatusTopic:
				if err := table.Apply(string(r.Key), r.Value); err != nil {
					log.Warn("skipping a battery_status row", "offset", r.Offset, "err", err)
				}
			case sources.Events:
				recent.ApplyEvent(string(r.Key), r.Value)
			case sources.Transactions:
				recent.ApplyTx(string(r.Key), r.Value) // refused charges: reverted calls emit no event
			case sources.Blocks:
				blocks.Apply(string(r.Key), r.Value)
			case sources.Reorgs:
				blocks.ApplyReorg(r.Value)
			case battery.EnrichedTopic:
				sessions.Apply(r.Key, r.Value)
			case battery.NotificationsTopic:
				notes.Apply(r.Key, r.Value)
			}
		})
	})
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return "", fmt.Errorf("page address %s: %w", addr, err)
	}
	serveHTTP(ctx, g, l, httpapi.New(httpapi.Config{Batteries: table, Events: recent, Blocks: blocks, Locker: locker,
		Metrics: metrics, Sources: sources, Log: log, Ref: ref,
		Sessions: sessions, Notifications: notes, OtherChains: otherChains}))
	return "http://" + l.Addr().String(), nil
}

// otherChainBlocks keeps the latest blocks of the chains followed beside
// the demo's, and says which topic record goes where (blocks, and reorgs
// to mark the blocks that replaced orphaned ones).
func otherChainBlocks(kcfg kafka.Config, chains []config.Chain) ([]httpapi.OtherChain, map[string]func(*kgo.Record)) {
	var out []httpapi.OtherChain
	byTopic := map[string]func(*kgo.Record){}
	for _, c := range chains {
		family := chaintap.Family(c.Family)
		topics := kafka.TopicsOf(kcfg.Topics.Prefix, c.Name, family)
		blocks := httpapi.NewChainBlocks(c.Name, 12)
		out = append(out, httpapi.OtherChain{Name: c.Name, Family: c.Family, BlocksTopic: topics.Head(chaintap.EntityBlocks), Blocks: blocks})
		byTopic[topics.Head(chaintap.EntityBlocks)] = func(r *kgo.Record) { blocks.Apply(string(r.Key), r.Value) }
		byTopic[topics.Reorgs()] = func(r *kgo.Record) { blocks.ApplyReorg(r.Value) }
	}
	return out, byTopic
}

// registryAddress is the configured address of the chain's battery
// registry, "" when there is none or it is not one address ("*").
func registryAddress(chain config.Chain) string {
	for _, c := range chain.Contracts {
		if c.Name == registryName && common.IsHexAddress(c.Address) {
			return c.Address
		}
	}
	return ""
}
