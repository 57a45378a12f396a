package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/config"
	"github.com/chaintap/chaintap/contracts"
	"github.com/chaintap/chaintap/decode"
	"github.com/chaintap/chaintap/engine"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/stream"
)

func (e *env) processCmd() *cobra.Command {
	var (
		file, dataDir, instance, metricsAddr, apiAddr string
		check                                         bool
		sessionTimeout                                time.Duration
	)
	cmd := &cobra.Command{
		Use:   "process",
		Short: "Run SQL statements (ksqlDB's) over the chain topics, exactly-once",
		Long: `Runs a file of ksqlDB statements (CREATE STREAM/TABLE … AS SELECT … EMIT
CHANGES) as persistent queries over the chain topics, which are declared as
streams already: <CHAIN>_BLOCKS, <CHAIN>_TRANSACTIONS, <CHAIN>_LOGS,
<CHAIN>_TOKEN_TRANSFERS, <CHAIN>_EVENTS (ARGS holds the decoded arguments)
and their _CONFIRMED views, for every chain of the configuration.

Each query is a Kafka consumer group with one task per input partition,
its state in Pebble under --data-dir backed by a compacted changelog topic,
and its outputs, state and input offsets committed in one transaction.
Start more instances (each its own --data-dir, and --instance if given) and
they share the work. One that stops cleanly hands its partitions over at
once; one that is killed keeps them until --session-timeout passes, then
the others restore their state from the changelogs and carry on.
Reorg retractions on head-view streams undo their effect downstream.

The file is compiled all or nothing: one bad statement applies none of it,
and the error names the statement and its line:column. It is saved in
_chaintap.statements, so that an instance started without -f (or this one
after a restart) runs the same statements.`,
		Example: `  chaintap process -f battery/demo.sql
  chaintap process -c chaintap.yaml -f flows.sql --data-dir /var/lib/chaintap/a
  chaintap process -c chaintap.yaml --data-dir /var/lib/chaintap/b   # a second instance
  chaintap process -c chaintap.yaml --session-timeout 10s           # take over a crashed instance's work sooner
  chaintap process -f flows.sql --check                             # compile only`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := e.load()
			if err != nil {
				return err
			}
			if metricsAddr != "" {
				cfg.Metrics.Addr = metricsAddr
			}
			if sessionTimeout <= 0 {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--session-timeout %s: must be positive", sessionTimeout)}
			}
			log := e.logger(cfg.LogLevel)
			kcfg := kafkaConfig(cfg)
			text, err := statementsToRun(cmd.Context(), kcfg, file, check)
			if err != nil {
				return err
			}
			reg := newRegistry()
			cat, prog, err := compileStatements(cfg, kcfg, text, reg)
			if err != nil {
				return err
			}
			if check {
				fmt.Fprintf(e.stdout, "%s: ok (%d persistent queries)\n", file, len(prog.Queries))
				return nil
			}
			if file != "" {
				if err := kafka.SaveStatements(cmd.Context(), kcfg, text); err != nil {
					return err
				}
			}
			ecfg := engine.Config{Kafka: kcfg, DataDir: filepath.Join(dataDir, "engine"), Log: log, Metrics: reg,
				InstanceID: instance, SessionTimeout: sessionTimeout}
			err = runProcess(cmd.Context(), cfg.Metrics.Addr, apiAddr, ecfg, cat, prog, reg)
			if errors.Is(err, context.Canceled) || cmd.Context().Err() != nil {
				return nil
			}
			return err
		},
	}
	cmd.Flags().StringVarP(&file, "file", "f", "", "the statements to run (default: those saved by the last run with -f)")
	cmd.Flags().StringVar(&dataDir, "data-dir", ".chaintap", "where the queries' state is kept (a cache of their changelog topics)")
	cmd.Flags().StringVar(&instance, "instance", "", "this instance's name in the consumer groups (default: host name and data directory)")
	cmd.Flags().StringVar(&metricsAddr, "metrics-addr", "", "serve Prometheus /metrics and /healthz on host:port")
	cmd.Flags().DurationVar(&sessionTimeout, "session-timeout", 45*time.Second,
		"how long the consumer groups wait for a killed instance before giving its partitions to the others: "+
			"shorter moves them sooner, but a pause longer than this (GC, network) moves them too; "+
			"the broker bounds it (group.min.session.timeout.ms, 6s by default)")
	cmd.Flags().StringVar(&apiAddr, "api-addr", "", "serve ksqlDB's REST API (push and pull queries, chaintap sql) on host:port, e.g. 127.0.0.1:8088")
	cmd.Flags().BoolVar(&check, "check", false, "compile the file and exit: no Kafka needed")
	return cmd
}

// statementsToRun reads the file, or the statements saved last.
func statementsToRun(ctx context.Context, kcfg kafka.Config, file string, check bool) (string, error) {
	if file != "" {
		raw, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("reading the statements: %w", err)
		}
		return string(raw), nil
	}
	if check {
		return "", errors.New("--check needs the file: give it with -f")
	}
	text, ok, err := kafka.LoadStatements(ctx, kcfg)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("no statements to run: give a file with -f (none saved in %s yet)", kafka.StatementsTopic)
	}
	return text, nil
}

// compileStatements compiles a statement file against the configuration's
// chains; with none configured, against the devchain as "chaintap up"
// runs it, so that the demo's statements compile without a configuration.
func compileStatements(cfg config.Config, kcfg kafka.Config, text string, reg prometheus.Registerer) (*catalog.Catalog, *catalog.Program, error) {
	chains, err := sqlChains(cfg.Chains)
	if err != nil {
		return nil, nil, err
	}
	cat, err := catalog.New(kcfg.Topics.Prefix, chains...)
	if err != nil {
		return nil, nil, err
	}
	bad := prometheus.NewCounter(prometheus.CounterOpts{Name: "chaintap_sql_bad_records_total",
		Help: "Input records the SQL queries could not process, written to their query's errors topic."})
	if err := reg.Register(bad); err != nil {
		return nil, nil, err
	}
	prog, err := cat.Compile(text, stream.Options{Errors: bad})
	return cat, prog, err
}

// sqlChains describes the chains for the catalog.
func sqlChains(chains []config.Chain) ([]catalog.Chain, error) {
	if len(chains) == 0 {
		contracts, err := demoContracts()
		// The devchain as up and ingest --url follow it: with the
		// default reorg window.
		return []catalog.Chain{{Name: "devchain", Contracts: contracts, ReorgWindow: config.DefaultReorgWindow}}, err
	}
	var out []catalog.Chain
	for _, ch := range chains {
		contracts, err := chainContracts(ch)
		if err != nil {
			return nil, err
		}
		window := ch.ReorgWindow
		if window == 0 {
			window = config.DefaultReorgWindow
		}
		out = append(out, catalog.Chain{Name: ch.Name, Family: chaintap.Family(ch.Family), Contracts: contracts, ReorgWindow: window,
			CorrectsConfirmed: ch.OnConfirmedReorg == "correct"})
	}
	return out, nil
}

// demoContracts are the devchain's ABIs: the token standards and the
// demo's contracts (at any address: only their events' types matter).
func demoContracts() ([]decode.Contract, error) {
	cs, err := chainContracts(config.Chain{Name: "devchain"})
	if err != nil {
		return nil, err
	}
	for _, c := range []struct {
		name string
		abi  []byte
	}{{"BatteryRegistry", contracts.BatteryRegistryABI}, {"DemoToken", contracts.DemoTokenABI}} {
		pc, err := decode.ParseContract(c.name, "*", c.abi)
		if err != nil {
			return nil, err
		}
		cs = append(cs, pc)
	}
	return cs, nil
}

// runProcess runs the program's queries on an engine configured by ecfg
// (whose Metrics is reg) until ctx is done or one fails. With metricsAddr
// it serves /metrics and /healthz there.
func runProcess(ctx context.Context, metricsAddr, apiAddr string, ecfg engine.Config, cat *catalog.Catalog, prog *catalog.Program, reg *prometheus.Registry) error {
	ops, err := listenOps(metricsAddr)
	if err != nil {
		return err
	}
	if ops != nil {
		defer ops.Close()
	}
	api, err := listenAPI(apiAddr)
	if err != nil {
		return err
	}
	eng, err := engine.New(ecfg)
	if err != nil {
		return err
	}
	defer eng.Close()
	g, ctx := errgroup.WithContext(ctx)
	if ops != nil {
		serveHTTP(ctx, g, ops, opsHandler(reg))
	}
	if api != nil {
		serveAPI(ctx, g, api, apiConfig(ecfg.Kafka, cat, prog, ecfg.Log))
	}
	g.Go(func() error { return runQueries(ctx, eng, prog, ecfg.Log) })
	return g.Wait()
}

// runQueries runs the program's queries on eng until ctx is done or one
// fails.
func runQueries(ctx context.Context, eng *engine.Engine, prog *catalog.Program, log *slog.Logger) error {
	if len(prog.Queries) == 0 {
		return nil // the catalog's streams still answer push queries
	}
	var stages []stream.Query
	for _, q := range prog.Queries {
		log.Info("running query", "id", q.ID, "sink", q.Plan.Sink.Topic)
		stages = append(stages, q.Stages...)
	}
	if err := eng.Run(ctx, stages...); err != nil && ctx.Err() == nil {
		return fmt.Errorf("SQL engine: %w", err)
	}
	return nil
}
