package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap/config"
	"github.com/chaintap/chaintap/contracts"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/httpapi"
	"github.com/chaintap/chaintap/kafka"
)

// startFleet deploys the demo's contracts on the devchain (or finds them
// again after a restart) and writes their ABIs where the decoder reads them.
func startFleet(ctx context.Context, c *devchain.Chain, dataDir string) (*devchain.Fleet, []config.Contract, error) {
	dir := filepath.Join(dataDir, "devchain")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	fleet, err := devchain.NewFleet(ctx, c, c.Seed(), filepath.Join(dir, "demo-contracts.addresses"))
	if err != nil {
		return nil, nil, err
	}
	var cs []config.Contract
	for _, d := range []struct {
		name string
		addr string
		abi  []byte
	}{{"BatteryRegistry", fleet.Registry().Hex(), contracts.BatteryRegistryABI}, {"DemoToken", fleet.Token().Hex(), contracts.DemoTokenABI}} {
		path := filepath.Join(dir, d.name+".abi.json")
		if err := os.WriteFile(path, d.abi, 0o644); err != nil {
			return nil, nil, err
		}
		cs = append(cs, config.Contract{Name: d.name, Address: d.addr, ABI: path})
	}
	return fleet, cs, nil
}

func (e *env) upCmd() *cobra.Command {
	var (
		flags     devchainFlags
		dataDir   string
		kafkaAddr string
		httpAddr  string
	)
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run everything embedded: broker, simulated chain, follower",
		Long: `Starts the embedded Kafka broker (data under <data-dir>/kafka), a simulated
chain with traffic and occasional reorgs (data under <data-dir>/devchain),
and the follower, and prints where to look. Stop with Ctrl-C; a second
"chaintap up" continues where the first stopped.

With a configuration that lists chains, no devchain is started; with
kafka.brokers, no embedded broker is started.`,
		Example: `  chaintap up
  chaintap up --data-dir /tmp/ct --kafka-addr 127.0.0.1:19092 --rpc-addr 127.0.0.1:18545
  kcat -b 127.0.0.1:9092 -C -t devchain.blocks -o end`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := e.load()
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("data-dir") {
				cfg.DataDir = dataDir
			}
			if cmd.Flags().Changed("kafka-addr") {
				cfg.Kafka.Embedded.Addr = kafkaAddr
			}
			log := e.logger(cfg.LogLevel)
			ctx := cmd.Context()
			g, ctx := errgroup.WithContext(ctx)

			if len(cfg.Kafka.Brokers) == 0 {
				b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: cfg.Kafka.Embedded.Addr, DataDir: filepath.Join(cfg.DataDir, "kafka")})
				if err != nil {
					return err
				}
				defer b.Close()
				cfg.Kafka.Embedded.Addr = b.Addr()
			}
			var locker httpapi.Locker
			if len(cfg.Chains) == 0 {
				c, err := devchain.Start(devchain.Config{Addr: flags.addr, DataDir: filepath.Join(cfg.DataDir, "devchain")})
				if err != nil {
					return err
				}
				defer c.Close()
				fleet, demoContracts, err := startFleet(ctx, c, cfg.DataDir)
				if err != nil {
					return err
				}
				from := uint64(0)
				cfg.Chains = []config.Chain{{Name: "devchain", URL: c.WSURL(), From: &from, Contracts: demoContracts}}
				if cfg, err = config.Revalidate(cfg); err != nil {
					return err
				}
				printDevchain(e.stdout, c)
				fmt.Fprintf(e.stdout, "  BatteryRegistry: %s (%d batteries)\n  DemoToken (ERC-20): %s\n", fleet.Registry().Hex(), devchain.FleetBatteries, fleet.Token().Hex())
				locker = fleet
				run := flags.run()
				run.Fleet, run.FleetTxsPerBlock = fleet, 3
				g.Go(func() error { return c.Run(ctx, run, log) })
			}
			kcfg := kafkaConfig(cfg)
			fmt.Fprintf(e.stdout, "\nKafka bootstrap: %s\n", kcfg.Brokers[0])
			for _, ch := range cfg.Chains {
				t := kafka.TopicsFor(kcfg.Topics.Prefix, ch.Name)
				fmt.Fprintf(e.stdout, "  topics: %s, %s, %s, %s, %s (+ .confirmed)\n", t.Head("blocks"), t.Head("transactions"), t.Head("logs"), t.Head("token_transfers"), t.Head("events"))
				fmt.Fprintf(e.stdout, "  try:    kcat -b %s -C -t %s -o -5 -f '%%h %%k %%s\\n'\n", kcfg.Brokers[0], t.Head("blocks"))
				fmt.Fprintf(e.stdout, "          kcat -b %s -C -t %s -o -5\n", kcfg.Brokers[0], t.Head("events"))
			}
			reg := newRegistry()
			pageURL, err := servePage(ctx, g, httpAddr, kcfg, cfg.Chains[0], locker, reg, log)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "\nPage: %s  (look a battery up, lock it, watch the table)\n", pageURL)
			fmt.Fprintln(e.stdout, "\nCtrl-C stops everything; run \"chaintap up\" again to continue.")
			g.Go(func() error { return runIngest(ctx, cfg, kcfg, log, reg, e.stderr) })
			err = g.Wait()
			if errors.Is(err, ctx.Err()) || cmd.Context().Err() != nil {
				return nil
			}
			return err
		},
	}
	flags.register(cmd)
	cmd.Flags().StringVar(&dataDir, "data-dir", ".chaintap", "where the embedded broker and devchain keep their data (overrides data_dir)")
	cmd.Flags().StringVar(&kafkaAddr, "kafka-addr", "127.0.0.1:9092", "embedded broker address (overrides kafka.embedded.addr)")
	cmd.Flags().StringVar(&httpAddr, "http-addr", "127.0.0.1:8080", "serve the page and the REST API on host:port")
	return cmd
}
