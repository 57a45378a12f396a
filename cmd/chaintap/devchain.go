package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ethereum/go-ethereum/crypto"
	"github.com/spf13/cobra"

	"github.com/chaintap/chaintap/devchain"
)

// devchainFlags are shared by `devchain` and `up`.
type devchainFlags struct {
	addr       string
	interval   time.Duration
	txs        int
	reorgEvery int
	seed       uint64
}

func (f *devchainFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.addr, "rpc-addr", "127.0.0.1:8545", "serve the devchain's JSON-RPC (HTTP and WebSocket) on host:port")
	cmd.Flags().DurationVar(&f.interval, "block-interval", time.Second, "seal a block this often")
	cmd.Flags().IntVar(&f.txs, "txs-per-block", 4, "at most this many random transactions per block")
	cmd.Flags().IntVar(&f.reorgEvery, "reorg-every", 40, "reorganise the chain about every N blocks (0: never)")
	cmd.Flags().Uint64Var(&f.seed, "seed", 1, "seed of the random traffic")
}

// check reports every bad value at once, before anything starts.
func (f *devchainFlags) check() []error {
	var errs []error
	if f.interval < 10*time.Millisecond {
		errs = append(errs, fmt.Errorf("--block-interval %s: want at least 10ms", f.interval))
	}
	if f.txs < 1 {
		errs = append(errs, fmt.Errorf("--txs-per-block %d: want at least 1", f.txs))
	}
	if f.reorgEvery < 0 {
		errs = append(errs, fmt.Errorf("--reorg-every %d: want 0 (never) or a number of blocks", f.reorgEvery))
	}
	return errs
}

func (f *devchainFlags) run() devchain.RunConfig {
	return devchain.RunConfig{Interval: f.interval, TxsPerBlock: f.txs, ReorgEvery: f.reorgEvery, Seed: f.seed}
}

func (e *env) devchainCmd() *cobra.Command {
	var flags devchainFlags
	var dataDir string
	cmd := &cobra.Command{
		Use:   "devchain",
		Short: "Run only the simulated EVM chain, served over JSON-RPC",
		Long: `Runs an in-process EVM chain (go-ethereum's simulated beacon, chain id 1337)
with funded dev accounts, sealing a block every --block-interval with random
traffic. Any JSON-RPC client can use it; ask it to reorganise with
devchain_reorg:

  curl -s -H 'content-type: application/json' \
    -d '{"jsonrpc":"2.0","id":1,"method":"devchain_reorg","params":[3]}' http://127.0.0.1:8545`,
		Example: `  chaintap devchain --rpc-addr 127.0.0.1:8545 --block-interval 2s --reorg-every 0`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := e.load()
			if err != nil {
				return err
			}
			if err := errors.Join(append(flags.check(), checkFree("--rpc-addr", flags.addr))...); err != nil {
				return err
			}
			log := e.logger(cfg.LogLevel)
			c, err := devchain.Start(devchain.Config{Addr: flags.addr, DataDir: dataDir})
			if err != nil {
				return err
			}
			defer c.Close()
			printDevchain(e.stdout, c)
			return c.Run(cmd.Context(), flags.run(), log)
		},
	}
	flags.register(cmd)
	cmd.Flags().StringVar(&dataDir, "data-dir", "", "persist the chain here (default: in memory)")
	return cmd
}

func printDevchain(w io.Writer, c *devchain.Chain) {
	fmt.Fprintf(w, "devchain (chain id %d)\n  JSON-RPC: %s  %s\n  dev accounts (1,000,000 ETH each):\n", devchain.ChainID, c.HTTPURL(), c.WSURL())
	for i, k := range c.Keys() {
		fmt.Fprintf(w, "    %d %s key 0x%s\n", i, crypto.PubkeyToAddress(k.PublicKey).Hex(), hex.EncodeToString(crypto.FromECDSA(k)))
	}
}
