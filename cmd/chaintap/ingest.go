package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap/config"
	"github.com/chaintap/chaintap/decode"
	"github.com/chaintap/chaintap/evm"
	"github.com/chaintap/chaintap/follow"
	"github.com/chaintap/chaintap/kafka"
)

func (e *env) ingestCmd() *cobra.Command {
	var (
		from        uint64
		only, url   string
		name        string
		brokers     []string
		metricsAddr string
	)
	cmd := &cobra.Command{
		Use:   "ingest",
		Short: "Run only the followers: chains in, Kafka topics out",
		Long: `Follows every chain of the configuration (or the one node given with --url)
into Kafka. Without kafka.brokers it uses the embedded broker's address, so
run "chaintap broker" (or "chaintap up") first.

The follower resumes from its cursor in _chaintap.cursors after a restart:
nothing is skipped or repeated. --from only matters the first time.`,
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
			log := e.logger(cfg.LogLevel)
			reg := newRegistry()
			return runIngest(cmd.Context(), cfg, kafkaConfig(cfg), log, reg, e.stderr)
		},
	}
	cmd.Flags().Uint64Var(&from, "from", 0, "first block to publish when a chain has no cursor yet (default: the node's head)")
	cmd.Flags().StringVar(&only, "chain", "", "follow only this chain of the configuration")
	cmd.Flags().StringVar(&url, "url", "", "follow this node (http(s):// or ws(s)://) in addition to the configured chains")
	cmd.Flags().StringVar(&name, "name", "devchain", "the chain name for --url (its topics are <name>.blocks, …)")
	cmd.Flags().StringSliceVar(&brokers, "brokers", nil, "Kafka bootstrap brokers (overrides kafka.brokers)")
	cmd.Flags().StringVar(&metricsAddr, "metrics-addr", "", "serve Prometheus /metrics on host:port")
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
// fails fatally.
func runIngest(ctx context.Context, cfg config.Config, kcfg kafka.Config, log *slog.Logger, reg *prometheus.Registry, progressOut io.Writer) error {
	g, ctx := errgroup.WithContext(ctx)
	if cfg.Metrics.Addr != "" {
		if err := serveMetrics(ctx, g, cfg.Metrics.Addr, reg, log); err != nil {
			return err
		}
	}
	srcMetrics, pubMetrics, followMetrics, decodeMetrics := evm.NewMetrics(reg), kafka.NewMetrics(reg), follow.NewMetrics(reg), decode.NewMetrics(reg)
	for _, ch := range cfg.Chains {
		dec, err := buildDecoder(ch, decodeMetrics)
		if err != nil {
			return err
		}
		src, err := evm.Dial(ctx, evm.Config{
			Chain: ch.Name, URL: ch.URL, Concurrency: ch.Concurrency, BatchSize: ch.ReceiptBatch,
			PollInterval: time.Duration(ch.PollInterval), Compression: ch.RPCCompression,
		}, log, srcMetrics)
		if err != nil {
			return err
		}
		defer src.Close()
		pub, err := newPublisher(ctx, kcfg, ch.Name, log, pubMetrics)
		if err != nil {
			return err
		}
		defer pub.Close()
		f := follow.New(followConfig(ch), follow.Enriched(src, dec), pub, log, followMetrics)
		f.OnProgress(newProgress(progressOut, ch.Name, time.Now))
		log.Info("following", "chain", ch.Name, "url", ch.URL, "topics", pub.Topics().Head("*"))
		g.Go(func() error { return f.Run(ctx) })
	}
	return g.Wait()
}

func followConfig(ch config.Chain) follow.Config {
	fc := follow.Config{
		Chain: ch.Name, Window: ch.ReorgWindow, ConfirmTag: ch.ConfirmTag, From: ch.From,
		Concurrency: ch.Concurrency, MaxBatch: ch.MaxBatch,
	}
	if ch.Confirmations != nil {
		fc.Confirmations = *ch.Confirmations
	}
	return fc
}

// newPublisher bounds the wait for the broker so that a wrong address
// fails with a message instead of hanging.
func newPublisher(ctx context.Context, kcfg kafka.Config, chain string, log *slog.Logger, m *kafka.Metrics) (*kafka.Publisher, error) {
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	pub, err := kafka.NewPublisher(cctx, kcfg, chain, log, m)
	if err != nil && cctx.Err() != nil && ctx.Err() == nil {
		return nil, fmt.Errorf("no Kafka broker answered at %v within 30s (start one with \"chaintap broker\", or set kafka.brokers): %w", kcfg.Brokers, err)
	}
	return pub, err
}

func serveMetrics(ctx context.Context, g *errgroup.Group, addr string, reg *prometheus.Registry, log *slog.Logger) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("metrics address %s: %w", addr, err)
	}
	log.Info("serving metrics", "url", "http://"+l.Addr().String()+"/metrics")
	serveHTTP(ctx, g, l, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return nil
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
