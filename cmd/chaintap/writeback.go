package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap/battery"
	"github.com/chaintap/chaintap/contracts"
	"github.com/chaintap/chaintap/decode"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/gateway"
	"github.com/chaintap/chaintap/kafka"
)

// writeBackGroup is the write-back's consumer group: its offsets say which
// enriched sessions were handed to the gateway.
const writeBackGroup = "_chaintap.demo.writeback"

// startWriteBack closes the demo's loop: a transaction gateway that sends
// as the gateway's own charging station, and the write-back that asks it
// to record every unblocked enriched session's charge on the chain.
func startWriteBack(ctx context.Context, g *errgroup.Group, c *devchain.Chain, fleet *devchain.Fleet, kcfg kafka.Config,
	reg prometheus.Registerer, log *slog.Logger, out io.Writer) error {
	station, err := fleet.GatewayStation(ctx)
	if err != nil {
		return err
	}
	registry, err := decode.ParseContract(registryName, fleet.Registry().Hex(), contracts.BatteryRegistryABI)
	if err != nil {
		return err
	}
	gw, err := gateway.New(gateway.Config{Chain: "devchain", Kafka: kcfg, Contracts: []decode.Contract{registry},
		Signers: map[string]gateway.Signer{"station": gateway.NewKeySigner(station)}}, c.Client(), log, reg)
	if err != nil {
		return err
	}
	wb := battery.WriteBack{Kafka: kcfg, Group: writeBackGroup, From: "station", Contract: registryName, Gateway: gw, Log: log}
	g.Go(func() error { return gw.Run(ctx) })
	g.Go(func() error { return wb.Run(ctx) })
	fmt.Fprintf(out, "  charge write-back: each unblocked session's charge recorded on chain through the gateway (receipts in %s)\n",
		gw.Topics().Receipts)
	return nil
}
