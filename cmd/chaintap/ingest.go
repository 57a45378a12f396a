package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/btc"
	"github.com/chaintap/chaintap/config"
	"github.com/chaintap/chaintap/decode"
	"github.com/chaintap/chaintap/evm"
	"github.com/chaintap/chaintap/follow"
	"github.com/chaintap/chaintap/internal/wait"
	"github.com/chaintap/chaintap/kafka"
)

func (e *env) ingestCmd() *cobra.Command {
	var (
		from        uint64
		only, url   string
		name        string
		brokers     []string
		metricsAddr string
		acceptReorg uint64
	)
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Run only the followers: chains in, Kafka topics out",
		Long: `Follows every chain of the configuration (or the one node given with --url)
into Kafka. Without kafka.brokers it uses the embedded broker's address, so
run "chaintap broker" (or "chaintap up") first.

The follower resumes from its cursor in _chaintap.cursors after a restart:
nothing is skipped or repeated. --from only matters the first time.

A reorg that orphans blocks already published to the .confirmed topics
stops a chain configured with on_confirmed_reorg: stop (the default) with
exit code 3, after correcting the head view and writing the reorg to
<chain>.reorgs; every restart stops the same way until told how to go on:
--accept-reorg HEIGHT (HEIGHT is the first orphaned block, as the error
says) keeps the confirmed view as published and continues after it;
on_confirmed_reorg: correct retracts the orphaned confirmed records and
publishes the canonical ones. See docs/config.md.`,
		Example: `  chaintap ingest --url ws://127.0.0.1:8545 --from 0
  chaintap ingest -c chaintap.yaml --chain sepolia --from 6000000
  chaintap ingest --url https://node.example --brokers k1:9092,k2:9092`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := e.load()
			if err != nil {
				return err
			}
			if url != "" {
				cfg.Chains = append(cfg.Chains, config.Chain{Name: name, URL: url})
				if cfg, err = config.Revalidate(cfg); err != nil {
					return err
				}
			}
			if only != "" {
				cfg.Chains = selectChain(cfg.Chains, only)
				if len(cfg.Chains) == 0 {
					return fmt.Errorf("--chain %s: no such chain in the configuration", only)
				}
			}
			if len(cfg.Chains) == 0 {
				return errors.New("no chain to follow: give --url or a configuration with chains")
			}
			if cmd.Flags().Changed("from") {
				for i := range cfg.Chains {
					cfg.Chains[i].From = &from
				}
			}
			if len(brokers) > 0 {
				cfg.Kafka.Brokers = brokers
			}
			if metricsAddr != "" {
				cfg.Metrics.Addr = metricsAddr
			}
			if cmd.Flags().Changed("accept-reorg") {
				for i := range cfg.Chains {
					cfg.Chains[i].AcceptReorg = &acceptReorg
				}
			}
			log := e.logger(cfg.LogLevel)
			reg := newRegistry()
			return runIngest(cmd.Context(), cfg, kafkaConfig(cfg), log, reg, e.stderr, e.getenv)
		},
	}
	cmd.Flags().Uint64Var(&from, "from", 0, "first block to publish when a chain has no cursor yet (default: the node's head)")
	cmd.Flags().StringVar(&only, "chain", "", "follow only this chain of the configuration")
	cmd.Flags().StringVar(&url, "url", "", "follow this node (http(s):// or ws(s)://) in addition to the configured chains")
	cmd.Flags().StringVar(&name, "name", "devchain", "the chain name for --url (its topics are <name>.blocks, …)")
	cmd.Flags().StringSliceVar(&brokers, "brokers", nil, "Kafka bootstrap brokers (overrides kafka.brokers)")
	cmd.Flags().StringVar(&metricsAddr, "metrics-addr", "", "serve Prometheus /metrics and /healthz on host:port")
	cmd.Flags().Uint64Var(&acceptReorg, "accept-reorg", 0, "accept the confirmed reorg a chain stopped on at this height (its first orphaned block): the .confirmed topics keep what they hold and go on after it")
	return cmd
}

func selectChain(chains []config.Chain, name string) []config.Chain {
	for _, c := range chains {
		if c.Name == name {
			return []config.Chain{c}
		}
	}
	return nil
}

func newRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// kafkaConfig maps the file's kafka section; no brokers means the
// embedded broker's address.
func kafkaConfig(cfg config.Config) kafka.Config {
	k := cfg.Kafka
	brokers := k.Brokers
	if len(brokers) == 0 {
		brokers = []string{k.Embedded.Addr}
	}
	return kafka.Config{
		Brokers: brokers,
		SASL:    kafka.SASL{Mechanism: k.SASL.Mechanism, User: k.SASL.User, Password: k.SASL.Password},
		TLS:     kafka.TLS{Enabled: k.TLS.Enabled, CAFile: k.TLS.CAFile, InsecureSkipVerify: k.TLS.InsecureSkipVerify},
		Topics: kafka.TopicConfig{Prefix: k.Topics.Prefix, Partitions: k.Topics.Partitions,
			ReplicationFactor: k.Topics.ReplicationFactor, Retention: time.Duration(k.Topics.Retention), Compact: k.Topics.Compact},
	}
}

// runIngest follows every chain of cfg until ctx is done or one follower
// fails fatally. Everything is built first (the metrics port, every
// chain's node connection and publisher); only then does anything run, as
// one group whose first failure stops the rest, and nothing is closed
// until every part has returned.
func runIngest(ctx context.Context, cfg config.Config, kcfg kafka.Config, log *slog.Logger, reg *prometheus.Registry, progressOut io.Writer, getenv func(string) (string, bool)) error {
	ops, err := listenOps(cfg.Metrics.Addr)
	if err != nil {
		return err
	}
	if ops != nil {
		defer ops.Close()
	}
	in, err := buildIngest(ctx, cfg.Chains, kcfg, log, reg, progressOut, getenv)
	if err != nil {
		return err
	}
	defer in.close()
	g, ctx := errgroup.WithContext(ctx)
	if ops != nil {
		log.Info("serving metrics and health", "url", "http://"+ops.Addr().String()+"/metrics")
		serveHTTP(ctx, g, ops, opsHandler(reg))
	}
	in.run(ctx, g)
	return g.Wait()
}

// ingestion is every chain's follower, built and not yet running.
type ingestion struct {
	followers []*follow.Follower
	chains    []string // the followers' chains
	closers   []func() // in the order they were opened
	log       *slog.Logger
}

// buildIngest connects every chain's node and publisher (sealing the
// topics of chains with a seal: section, with keys getenv may hold). On
// an error it closes what it had opened: nothing is left running or
// connected.
func buildIngest(ctx context.Context, chains []config.Chain, kcfg kafka.Config, log *slog.Logger, reg *prometheus.Registry, progressOut io.Writer, getenv func(string) (string, bool)) (_ *ingestion, err error) {
	in := &ingestion{}
	defer func() {
		if err != nil {
			in.close()
		}
	}()
	m := sourceMetrics{evm: evm.NewMetrics(reg), btc: btc.NewMetrics(reg), decode: decode.NewMetrics(reg)}
	pubMetrics, followMetrics := kafka.NewMetrics(reg), follow.NewMetrics(reg)
	for _, ch := range chains {
		src, closeSrc, err := dialSource(ctx, ch, log, m)
		if err != nil {
			return nil, err
		}
		in.closers = append(in.closers, closeSrc)
		sealing, err := sealOptions(ch, kcfg, getenv, log)
		if err != nil {
			return nil, err
		}
		pub, err := newPublisher(ctx, kcfg, ch.Name, chaintap.Family(ch.Family), log, pubMetrics, sealing...)
		if err != nil {
			return nil, err
		}
		in.closers = append(in.closers, func() { checkpointAndClose(pub, log) })
		f := follow.New(followConfig(ch), src, pub, log, followMetrics)
		f.OnProgress(newProgress(progressOut, ch.Name, time.Now))
		log.Info("following", "chain", ch.Name, "family", ch.Family, "url", ch.URL, "topics", pub.Topics().Head("*"))
		in.followers = append(in.followers, f)
		in.chains = append(in.chains, ch.Name)
	}
	in.log = log
	return in, nil
}

// sourceMetrics are the metrics of every family's adapter.
type sourceMetrics struct {
	evm    *evm.Metrics
	btc    *btc.Metrics
	decode *decode.Metrics
}

// dialSource connects the adapter of ch's family to its node.
func dialSource(ctx context.Context, ch config.Chain, log *slog.Logger, m sourceMetrics) (chaintap.BlockSource, func(), error) {
	if ch.Family == string(chaintap.FamilyBitcoin) {
		src, err := btc.Dial(ctx, btc.Config{
			Chain: ch.Name, URL: ch.URL, Concurrency: ch.Concurrency, BatchSize: ch.RPCBatch,
			PollInterval: time.Duration(ch.PollInterval), CacheTxs: ch.CacheTxs, ZMQHashblock: ch.ZMQHashblock,
			Auth: btc.Auth{User: ch.RPCUser, Password: ch.RPCPassword, CookieFile: ch.RPCCookieFile},
		}, log, m.btc)
		if err != nil {
			return nil, nil, err
		}
		return src, src.Close, nil
	}
	dec, err := buildDecoder(ch, m.decode)
	if err != nil {
		return nil, nil, err
	}
	src, err := evm.Dial(ctx, evm.Config{
		Chain: ch.Name, URL: ch.URL, Concurrency: ch.Concurrency, BatchSize: ch.ReceiptBatch,
		PollInterval: time.Duration(ch.PollInterval), Compression: ch.RPCCompression,
	}, log, m.evm)
	if err != nil {
		return nil, nil, err
	}
	return follow.Enriched(src, dec), src.Close, nil
}

// run starts every follower in g. A follower retries what retrying can
// fix by itself (a node or broker that is down); when one stops on an
// error, the others go on: one chain's failure is reported, and retried
// when waiting may fix it (isolated), and the process ends only when
// every chain has stopped, with their errors.
func (in *ingestion) run(ctx context.Context, g *errgroup.Group) {
	if len(in.followers) == 1 {
		g.Go(func() error { return in.followers[0].Run(ctx) })
		return
	}
	var mu sync.Mutex
	var stopped []error
	for i, f := range in.followers {
		g.Go(func() error {
			err := isolated(ctx, in.log, in.chains[i], f.Run)
			mu.Lock()
			defer mu.Unlock()
			if ctx.Err() != nil {
				// Stopping (Ctrl-C, or another part failed): a chain
				// that stopped earlier for the operator is still the
				// process's outcome (its message and exit code), not
				// the cancellation.
				if len(stopped) > 0 {
					return errors.Join(stopped...)
				}
				return err
			}
			stopped = append(stopped, err)
			if len(stopped) == len(in.followers) {
				return errors.Join(stopped...)
			}
			return nil
		})
	}
}

// chainRetryAfter is how long a chain that stopped on an error others do
// not share waits before it is followed again.
const chainRetryAfter = 30 * time.Second

// isolated runs a chain's follower; after an error that waiting may fix
// (a node answering garbage for a while) it logs and runs it again after
// chainRetryAfter. It returns when ctx is done or on an error only an
// operator can resolve (a reorg deeper than the window, a confirmed
// reorg to decide on, another instance that took over).
func isolated(ctx context.Context, log *slog.Logger, chain string, run func(context.Context) error) error {
	for {
		err := run(ctx)
		if ctx.Err() != nil || needsOperator(err) {
			if ctx.Err() == nil {
				log.Error("chain stopped; the other chains go on", "chain", chain, "err", err)
			}
			return err
		}
		log.Error("chain failed; the other chains go on, retrying it", "chain", chain, "err", err, "after", chainRetryAfter)
		if werr := wait.Sleep(ctx, chainRetryAfter); werr != nil {
			return werr
		}
	}
}

// needsOperator reports the errors a follower must not retry by itself.
func needsOperator(err error) bool {
	var deep *chaintap.ReorgTooDeepError
	var confirmed *chaintap.ConfirmedReorgError
	return errors.As(err, &deep) || errors.As(err, &confirmed) || errors.Is(err, chaintap.ErrFenced) || errors.Is(err, chaintap.ErrCannotRetract)
}

// close closes publishers and node connections, newest first; call it
// only once no follower runs.
func (in *ingestion) close() {
	for i := len(in.closers) - 1; i >= 0; i-- {
		in.closers[i]()
	}
	in.closers = nil
}

func followConfig(ch config.Chain) follow.Config {
	fc := follow.Config{
		Chain: ch.Name, Window: ch.ReorgWindow, ConfirmTag: ch.ConfirmTag, From: ch.From,
		Concurrency: ch.Concurrency, MaxBatch: ch.MaxBatch, MemoryBudget: int64(ch.MemoryBudget),
		OnConfirmedReorg: chaintap.ConfirmedReorgPolicy(ch.OnConfirmedReorg), AcceptReorg: ch.AcceptReorg,
	}
	if ch.Confirmations != nil {
		fc.Confirmations = *ch.Confirmations
	}
	return fc
}

// newPublisher bounds the wait for the broker so that a wrong address
// fails with a message instead of hanging.
func newPublisher(ctx context.Context, kcfg kafka.Config, chain string, family chaintap.Family, log *slog.Logger, m *kafka.Metrics, opts ...kafka.PublisherOption) (*kafka.Publisher, error) {
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	pub, err := kafka.NewFamilyPublisher(cctx, kcfg, chain, family, log, m, opts...)
	if err != nil && cctx.Err() != nil && ctx.Err() == nil {
		return nil, fmt.Errorf("no Kafka broker answered at %v within 30s (start one with \"chaintap broker\", or set kafka.brokers): %w", kcfg.Brokers, err)
	}
	return pub, err
}

// listenOps takes the port of the metrics and health endpoint before
// anything starts; nil when addr is empty (not served).
func listenOps(addr string) (net.Listener, error) {
	if addr == "" {
		return nil, nil
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("metrics address %s: %w", addr, err)
	}
	return l, nil
}

// opsHandler serves what operators poll: Prometheus metrics and a health
// answer (200 while the process serves at all; a follower that fails
// stops the process, so there is no half-healthy state to report).
func opsHandler(reg prometheus.Gatherer) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`+"\n")
	})
	return mux
}

// serveHTTP serves h on l in g until ctx is done, then shuts down within
// 5 s. Requests (live streams above all) see ctx, so they end with it.
func serveHTTP(ctx context.Context, g *errgroup.Group, l net.Listener, h http.Handler) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	g.Go(func() error {
		if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	})
}
