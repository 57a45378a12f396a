package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/battery"
	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/config"
	"github.com/chaintap/chaintap/contracts"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/engine"
	"github.com/chaintap/chaintap/httpapi"
	"github.com/chaintap/chaintap/kafka"
)

// upOptions are up's flags.
type upOptions struct {
	devchain  devchainFlags
	dataDir   string
	kafkaAddr string
	httpAddr  string
	sqlFile   string
	apiAddr   string
	// stationsDSN streams the demo's charging stations from PostgreSQL.
	stationsDSN string
	// sessionEvery is how often the simulated operator reports a session.
	sessionEvery time.Duration
	bitcoin      bitcoinFlags
}

func (e *env) upCmd() *cobra.Command {
	var o upOptions
	cmd := &cobra.Command{
		Use:   "up",
		Short: "Run everything embedded: broker, simulated chain, follower, page",
		Long: `Starts the embedded Kafka broker (data under <data-dir>/kafka), a simulated
chain with traffic and occasional reorgs (data under <data-dir>/devchain),
the follower, and the page and REST API, and prints where to look. Stop
with Ctrl-C; a second "chaintap up" continues where the first stopped.

With a configuration that lists chains, no devchain is started; with
kafka.brokers, no embedded broker is started.`,
		Example: `  chaintap up
  chaintap up --data-dir /tmp/ct --kafka-addr 127.0.0.1:19092 --rpc-addr 127.0.0.1:18545
  chaintap up --bitcoin      # and btcd in regtest, followed as chain btc-regtest
  kcat -b 127.0.0.1:9092 -C -t devchain.blocks -o end`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := e.load()
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("data-dir") {
				cfg.DataDir = o.dataDir
			}
			if cmd.Flags().Changed("kafka-addr") {
				cfg.Kafka.Embedded.Addr = o.kafkaAddr
			}
			err = e.runUp(cmd.Context(), cfg, o)
			if errors.Is(err, context.Canceled) || cmd.Context().Err() != nil {
				return nil
			}
			return err
		},
	}
	o.devchain.register(cmd)
	o.bitcoin.register(cmd.Flags())
	cmd.Flags().StringVar(&o.dataDir, "data-dir", ".chaintap", "where the embedded broker and devchain keep their data (overrides data_dir)")
	cmd.Flags().StringVar(&o.kafkaAddr, "kafka-addr", "127.0.0.1:9092", "embedded broker address (overrides kafka.embedded.addr)")
	cmd.Flags().StringVar(&o.httpAddr, "http-addr", "127.0.0.1:8080", "serve the page and the REST API on host:port")
	cmd.Flags().StringVar(&o.apiAddr, "api-addr", "127.0.0.1:8088", "serve ksqlDB's REST API (push and pull queries, chaintap sql) on host:port")
	cmd.Flags().DurationVar(&o.sessionEvery, "session-interval", 2*time.Second, "how often the demo's simulated operator reports a charging session")
	cmd.Flags().StringVar(&o.stationsDSN, "stations-dsn", "", "take the demo's charging stations from this PostgreSQL's table public.charging_stations "+
		"(logical replication: wal_level=logical; see docs/postgres.md) instead of battery/charging_stations.csv")
	cmd.Flags().StringVar(&o.sqlFile, "sql", "", "SQL statements for the engine to run (default: the battery demo's, battery/demo.sql, with the devchain)")
	return cmd
}

// check finds every problem with up's values and addresses before
// anything starts: a busy port reported after the broker and the chain
// had started (and the banner had printed) helped nobody.
func (o upOptions) check(cfg config.Config) error {
	var errs []error
	embedded, devchainToo := len(cfg.Kafka.Brokers) == 0, len(cfg.Chains) == 0
	if devchainToo {
		errs = append(errs, o.devchain.check()...)
		errs = append(errs, checkFree("--rpc-addr (the devchain's JSON-RPC)", o.devchain.addr))
	}
	if embedded {
		errs = append(errs, checkFree("--kafka-addr (the embedded broker)", cfg.Kafka.Embedded.Addr))
	}
	if o.bitcoin.enabled {
		errs = append(errs, checkFree("--btc-rpc-addr (btcd's JSON-RPC)", o.bitcoin.rpcAddr))
		if o.bitcoin.interval < 100*time.Millisecond || o.bitcoin.txs < 1 {
			errs = append(errs, fmt.Errorf("--btc-block-interval %s, --btc-txs-per-block %d: want at least 100ms and 1", o.bitcoin.interval, o.bitcoin.txs))
		}
	}
	if o.sessionEvery < 10*time.Millisecond {
		errs = append(errs, fmt.Errorf("--session-interval %s: want at least 10ms", o.sessionEvery))
	}
	errs = append(errs, checkFree("--http-addr (the page)", o.httpAddr))
	errs = append(errs, checkFree("--api-addr (the ksqlDB API)", o.apiAddr))
	return errors.Join(errs...)
}

// runUp builds every part (broker, devchain and its contracts, followers,
// page), then runs them as one group whose first failure stops the
// others, and says what it stopped and where the data is.
func (e *env) runUp(ctx context.Context, cfg config.Config, o upOptions) error {
	dataDir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return fmt.Errorf("data directory %s: %w", cfg.DataDir, err)
	}
	fmt.Fprintf(e.stdout, "chaintap %s: starting in %s\n", version(), dataDir)
	if err := o.check(cfg); err != nil {
		return err
	}
	log := e.logger(cfg.LogLevel)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	g, ctx := errgroup.WithContext(ctx)
	var parts []string // what runs, to say what was stopped
	if len(cfg.Kafka.Brokers) == 0 {
		b, err := kafka.StartBroker(kafka.BrokerConfig{Addr: cfg.Kafka.Embedded.Addr, DataDir: filepath.Join(dataDir, "kafka")})
		if err != nil {
			return err
		}
		defer b.Close()
		cfg.Kafka.Embedded.Addr = b.Addr()
		parts = append(parts, "the embedded broker")
	}
	var locker httpapi.Locker
	var fleet *devchain.Fleet
	var demo *devchain.Chain
	var traffic func() error // the devchain's blocks, started with the rest
	if len(cfg.Chains) == 0 {
		fmt.Fprintln(e.stdout, "starting the devchain and deploying the demo's contracts…")
		c, f, err := startDemoChain(ctx, &cfg, o, dataDir)
		if err != nil {
			return err
		}
		fleet, demo = f, c
		defer c.Close()
		printDevchain(e.stdout, c)
		fmt.Fprintf(e.stdout, "  BatteryRegistry: %s (%d batteries)\n  DemoToken (ERC-20): %s\n", strings.ToLower(fleet.Registry().Hex()), devchain.FleetBatteries, strings.ToLower(fleet.Token().Hex()))
		run := o.devchain.run()
		run.Fleet, run.FleetTxsPerBlock = fleet, 3
		traffic = func() error { return c.Run(ctx, run, log) }
		parts = append(parts, "the devchain")
	}
	var bitcoin *demoBitcoin
	if o.bitcoin.enabled {
		if bitcoin, err = startDemoBitcoin(ctx, &cfg, kafkaConfig(cfg), o.bitcoin, dataDir, e.stdout); err != nil {
			return err
		}
		defer bitcoin.stop()
		parts = append(parts, "btcd")
	}
	kcfg := kafkaConfig(cfg)
	reg := newRegistry()
	in, err := buildIngest(ctx, cfg.Chains, kcfg, log, reg, e.stderr, e.getenv)
	if err != nil {
		return err
	}
	defer in.close()
	cat, prog, sqlName, err := upStatements(ctx, cfg, kcfg, o.sqlFile, reg)
	if err != nil {
		return err
	}
	eng, err := engine.New(engine.Config{Kafka: kcfg, DataDir: filepath.Join(dataDir, "engine"), Log: log, Metrics: reg})
	if err != nil {
		return err
	}
	defer eng.Close()
	printTopics(e.stdout, kcfg, cfg.Chains)
	printQueries(e.stdout, sqlName, prog)
	var ref http.Handler
	var off *offChain
	if fleet != nil {
		if off, err = newOffChain(ctx, kcfg, cat, fleet.Batteries(), o.stationsDSN, o.sessionEvery, log, e.stdout); err != nil {
			return err
		}
	}
	if off != nil {
		defer off.close()
		ref = off.refHandler()
		d, err := startDemoGateway(ctx, g, demo, fleet, cfg.Chains[0], kcfg, reg, log, e.stdout)
		if err != nil {
			cancel()
			_ = g.Wait()
			return err
		}
		locker = d
	}
	pageURL, err := servePage(ctx, g, o.httpAddr, kcfg, cfg.Chains[0], cfg.Chains[1:], locker, ref, reg, log)
	if err != nil {
		cancel()
		_ = g.Wait()
		return err
	}
	api, err := listenAPI(o.apiAddr)
	if err != nil {
		cancel()
		_ = g.Wait()
		return err
	}
	serveAPI(ctx, g, api, apiConfig(kcfg, cat, prog, log))
	parts = append(parts, "the page", "the ksqlDB API", "the SQL engine", "the follower")
	if traffic != nil {
		g.Go(traffic)
	}
	if bitcoin != nil {
		g.Go(func() error { return bitcoin.run(ctx) })
	}
	if off != nil {
		off.run(ctx, g, log)
	}
	g.Go(func() error { return runQueries(ctx, eng, prog, log) })
	in.run(ctx, g)
	fmt.Fprintf(e.stdout, "\nPage: %s  (click a battery, lock it, watch the table and its events)\n", pageURL)
	fmt.Fprintf(e.stdout, "Health and metrics: %s/healthz  %s/metrics\n", pageURL, pageURL)
	fmt.Fprintf(e.stdout, "ksqlDB API: http://%s  (chaintap sql, or any ksqlDB client: SELECT * FROM battery_status EMIT CHANGES;)\n", api.Addr())
	fmt.Fprintln(e.stdout, "\nCtrl-C stops everything; run \"chaintap up\" again to continue.")
	err = g.Wait()
	slices.Reverse(parts)
	fmt.Fprintf(e.stdout, "\nstopped %s; data kept in %s\n", strings.Join(parts, ", "), dataDir)
	return err
}

// upStatements compiles what up's engine runs: --sql, or the demo's
// statements when the devchain runs, or nothing. They are saved in the
// statements topic, so that "chaintap process" without -f runs them too.
func upStatements(ctx context.Context, cfg config.Config, kcfg kafka.Config, file string, reg *prometheus.Registry) (*catalog.Catalog, *catalog.Program, string, error) {
	text, name := "", ""
	switch {
	case file != "":
		raw, err := os.ReadFile(file)
		if err != nil {
			return nil, nil, "", fmt.Errorf("reading --sql: %w", err)
		}
		text, name = string(raw), file
	case len(cfg.Chains) == 1 && cfg.Chains[0].Name == "devchain":
		text, name = battery.Statements, "battery/demo.sql"
	}
	// With nothing to run, the catalog still declares the chains' streams
	// for push queries.
	cat, prog, err := compileStatements(cfg, kcfg, text, reg)
	if err != nil {
		return nil, nil, "", fmt.Errorf("%s: %w", name, err)
	}
	if text == "" {
		return cat, prog, name, nil // nothing to save over what process saved
	}
	return cat, prog, name, kafka.SaveStatements(ctx, kcfg, text)
}

// printQueries names the persistent queries and their output topics.
func printQueries(w io.Writer, name string, prog *catalog.Program) {
	if len(prog.Queries) == 0 {
		return
	}
	fmt.Fprintf(w, "\nSQL (%s), exactly-once, retractions applied:\n", name)
	for _, q := range prog.Queries {
		fmt.Fprintf(w, "  %-28s → topic %s\n", q.ID, q.Plan.Sink.Topic)
	}
}

// startDemoChain starts the devchain under dataDir, deploys (or finds
// again) the demo's contracts, and points cfg at it.
func startDemoChain(ctx context.Context, cfg *config.Config, o upOptions, dataDir string) (*devchain.Chain, *devchain.Fleet, error) {
	c, err := devchain.Start(devchain.Config{Addr: o.devchain.addr, DataDir: filepath.Join(dataDir, "devchain")})
	if err != nil {
		return nil, nil, err
	}
	fleet, demoContracts, err := startFleet(ctx, c, dataDir)
	if err != nil {
		c.Close()
		return nil, nil, err
	}
	from := uint64(0)
	// The simulated chain keeps its blocks in memory between flushes: up
	// killed (SIGKILL, a crash) restarts it behind the blocks the follower
	// confirmed, and new blocks replace them, a reorg below the confirmed
	// height. "stop" would then stop every later up, which has no
	// --accept-reorg; "correct" retracts the lost confirmed blocks and goes on.
	cfg.Chains = []config.Chain{{Name: "devchain", URL: c.WSURL(), From: &from, Contracts: demoContracts, OnConfirmedReorg: "correct"}}
	if *cfg, err = config.Revalidate(*cfg); err != nil {
		c.Close()
		return nil, nil, err
	}
	return c, fleet, nil
}

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

// printTopics tells where the data goes and how to read it with kcat.
// Offsets count transaction markers too (one per committed batch), so
// "-o -5" shows fewer than five records: the examples follow the live
// end or count records from the beginning instead.
func printTopics(w io.Writer, kcfg kafka.Config, chains []config.Chain) {
	fmt.Fprintf(w, "\nKafka bootstrap: %s\n", kcfg.Brokers[0])
	for _, ch := range chains {
		t := kafka.TopicsOf(kcfg.Topics.Prefix, ch.Name, chaintap.Family(ch.Family))
		var names []string
		for _, e := range t.Entities() {
			names = append(names, t.Head(e))
		}
		fmt.Fprintf(w, "  topics: %s (+ .confirmed), %s\n", strings.Join(names, ", "), t.Reorgs())
		fmt.Fprintf(w, "  try:    kcat -b %s -C -t %s -o end -f '%%h %%k %%s\\n'\n", kcfg.Brokers[0], t.Head(chaintap.EntityBlocks))
		last := t.Entities()[len(t.Entities())-1] // events, or a Bitcoin chain's transactions
		fmt.Fprintf(w, "          kcat -b %s -C -t %s -o beginning -c 5\n", kcfg.Brokers[0], t.Head(last))
	}
}
