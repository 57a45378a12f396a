package main

import (
	"context"
	"fmt"
	"net"
	"net/http"

	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap/config"
	"github.com/chaintap/chaintap/decode"
	"github.com/chaintap/chaintap/gateway"
)

func (e *env) gatewayCmd() *cobra.Command {
	var file, chainName, url, addr string
	var brokers []string
	var noKafka bool
	cmd := &cobra.Command{
		Use:   "gateway",
		Short: "Send transactions to a chain from Kafka and REST: safe nonces, no request twice",
		Long: `Runs the transaction gateway for one chain. Requests arrive on the Kafka topic
<chain>.tx.requests (the record key is the idempotency key) and over REST:

  POST /api/tx       202 {"id": …, "status": "accepted", "nonce": …}
                     headers: Authorization: Bearer <token>, Idempotency-Key: <key>
  GET  /api/tx/{id}  the request's state

A request is a contract call by ABI method name, a value transfer or a
deployment, from a sender named in the gateway file (a signing key):

  {"from": "treasury", "contract": "registry", "method": "lock", "args": ["0x…"]}
  {"from": "treasury", "to": "0x…", "value": "1000000000000000"}
  {"from": "treasury", "bytecode": "0x6080…"}

Each accepted request gets its sender's next nonce, persisted with it in
_chaintap.gateway.<chain>.requests (a compacted topic, Kafka transactions)
before anything is signed; the signed transaction is persisted before it is
sent. So concurrent requests never share a nonce, the same idempotency key
never sends twice, and a restart (even after a crash mid-send) continues
where it stopped. Outcomes (accepted, mined with gas used and a decoded
revert reason, confirmed, reorged) go to <chain>.tx.receipts.

The chain comes from -c (chains[].url and its contracts) or --url. The
gateway file names the senders (keys from a keystore with the passphrase in
an environment variable, or a hex key in one), more contracts, the REST
tokens (secrets in environment variables) and the limits; docs/gateway.md
has every key. Unknown keys are errors.`,
		Example: `  cat > gateway.yaml <<'YAML'
  senders:
    - name: treasury
      keystore: ./keys/treasury.json
      passphrase_env: TREASURY_PASSPHRASE
  tokens:
    - name: billing
      secret_env: BILLING_TOKEN
      senders: [treasury]
      contracts: ["*"]
  max_in_flight: 16
  resubmit_after: 30s
  YAML
  export TREASURY_PASSPHRASE=… BILLING_TOKEN=…
  chaintap gateway --gateway-config gateway.yaml --url http://127.0.0.1:8545 --name devchain
  curl -s -X POST 127.0.0.1:8090/api/tx -H "Authorization: Bearer $BILLING_TOKEN" \
    -H 'Idempotency-Key: invoice-42' \
    -d '{"from":"treasury","to":"0x00000000000000000000000000000000000000aa","value":"1000"}'
  kcat -b 127.0.0.1:9092 -C -t devchain.tx.receipts -f '%k %s\n'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := e.load()
			if err != nil {
				return err
			}
			if len(brokers) > 0 {
				cfg.Kafka.Brokers = brokers
			}
			gcfg, nodeURL, err := e.gatewayConfig(cfg, file, chainName, url)
			if err != nil {
				return err
			}
			gcfg.ConsumeRequests = !noKafka
			return e.runGateway(cmd.Context(), cfg, gcfg, nodeURL, addr)
		},
	}
	cmd.Flags().StringVar(&file, "gateway-config", "", "the gateway's YAML file: senders, tokens, contracts, limits (required)")
	cmd.Flags().StringVar(&chainName, "name", "", "the chain to send to: a chain of -c, or the name for --url (default: the only chain of -c, or devchain)")
	cmd.Flags().StringVar(&url, "url", "", "the node's JSON-RPC URL (overrides the chain's url in -c)")
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8090", "serve the REST API, /metrics and /healthz on host:port")
	cmd.Flags().StringSliceVar(&brokers, "brokers", nil, "Kafka bootstrap brokers (overrides kafka.brokers)")
	cmd.Flags().BoolVar(&noKafka, "no-kafka-requests", false, "take requests over REST only, not from <chain>.tx.requests")
	_ = cmd.MarkFlagRequired("gateway-config")
	return cmd
}

// gatewayConfig builds the gateway's configuration from -c and the
// gateway file, and finds the node's URL.
func (e *env) gatewayConfig(cfg config.Config, file, name, url string) (gateway.Config, string, error) {
	var chain *config.Chain
	for i, c := range cfg.Chains {
		if c.Name == name || (name == "" && len(cfg.Chains) == 1) {
			chain = &cfg.Chains[i]
		}
	}
	if name == "" && chain == nil {
		name = "devchain"
	}
	gcfg := gateway.Config{Chain: name, Kafka: kafkaConfig(cfg)}
	if chain != nil {
		gcfg.Chain = chain.Name
		if chain.Confirmations != nil {
			// "confirmed" in a receipt then means what the follower's
			// .confirmed view means: this many blocks deep.
			gcfg.Confirmations = *chain.Confirmations
		}
		if url == "" {
			url = chain.URL
		}
		for _, c := range chain.Contracts {
			if c.Address == "*" {
				continue // an interface decoded anywhere: nothing to call
			}
			ct, err := decode.LoadContract(c.Name, c.Address, c.ABI)
			if err != nil {
				return gcfg, "", err
			}
			gcfg.Contracts = append(gcfg.Contracts, ct)
		}
	}
	if url == "" {
		return gcfg, "", &usageError{cmd: "chaintap gateway", err: fmt.Errorf("no node: give --url, or -c with chain %q", name)}
	}
	f, err := gateway.LoadFile(file)
	if err != nil {
		return gcfg, "", err
	}
	if err := f.Apply(&gcfg, e.getenv); err != nil {
		return gcfg, "", err
	}
	return gcfg, url, nil
}

// runGateway connects to the node, runs the gateway and serves its API
// until ctx is done or the gateway fails.
func (e *env) runGateway(ctx context.Context, cfg config.Config, gcfg gateway.Config, nodeURL, addr string) error {
	log := e.logger(cfg.LogLevel)
	node, err := ethclient.DialContext(ctx, nodeURL)
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", nodeURL, err)
	}
	defer node.Close()
	reg := newRegistry()
	svc, err := gateway.New(gcfg, node, log, reg)
	if err != nil {
		return err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("gateway address %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/tx", svc.Handler())
	mux.Handle("/api/tx/", svc.Handler())
	mux.Handle("/metrics", opsHandler(reg))
	mux.Handle("/healthz", opsHandler(reg))
	fmt.Fprintf(e.stdout, "chaintap gateway for %s: REST on http://%s/api/tx, requests from %s, receipts to %s\n",
		gcfg.Chain, l.Addr(), svc.Topics().Requests, svc.Topics().Receipts)
	g, ctx := errgroup.WithContext(ctx)
	serveHTTP(ctx, g, l, mux)
	g.Go(func() error { return svc.Run(ctx) })
	return g.Wait()
}
