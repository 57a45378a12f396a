package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/btcdev"
	"github.com/chaintap/chaintap/config"
	"github.com/chaintap/chaintap/kafka"
)

// demoBitcoinChain names up --bitcoin's chain and its topics.
const demoBitcoinChain = "btc-regtest"

// bitcoinFlags are up's flags for its Bitcoin chain.
type bitcoinFlags struct {
	enabled  bool
	rpcAddr  string
	interval time.Duration
	txs      int
}

func (f *bitcoinFlags) register(fs interface {
	BoolVar(*bool, string, bool, string)
	StringVar(*string, string, string, string)
	DurationVar(*time.Duration, string, time.Duration, string)
	IntVar(*int, string, int, string)
}) {
	fs.BoolVar(&f.enabled, "bitcoin", false, "also run btcd in regtest (built once with go install) with mined spends, followed as chain "+demoBitcoinChain)
	fs.StringVar(&f.rpcAddr, "btc-rpc-addr", "127.0.0.1:18443", "with --bitcoin: serve btcd's JSON-RPC on host:port")
	fs.DurationVar(&f.interval, "btc-block-interval", 2*time.Second, "with --bitcoin: mine a block this often")
	fs.IntVar(&f.txs, "btc-txs-per-block", 6, "with --bitcoin: at most this many spends per block")
}

// demoBitcoin is up's btcd and its traffic, started.
type demoBitcoin struct {
	node    *btcdev.Node
	traffic *btcdev.Traffic
	flags   bitcoinFlags
}

// startDemoBitcoin starts btcd in regtest under dataDir/btcd, mines until
// coinbases can be spent, and adds its chain to cfg. btcd in regtest
// keeps no blocks across restarts, so every up starts the chain afresh:
// its old data, topics and cursor are removed first (a cursor on a chain
// that no longer exists would be a reorg deeper than any window).
func startDemoBitcoin(ctx context.Context, cfg *config.Config, kcfg kafka.Config, f bitcoinFlags, dataDir string, out io.Writer) (*demoBitcoin, error) {
	fmt.Fprintln(out, "starting btcd in regtest (the first time, go install builds it: about 20 s)…")
	dir := filepath.Join(dataDir, "btcd")
	if err := os.RemoveAll(dir); err != nil {
		return nil, err
	}
	if err := kafka.ResetChain(ctx, kcfg, demoBitcoinChain, chaintap.FamilyBitcoin); err != nil {
		return nil, err
	}
	p2p, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	node, err := btcdev.Start(ctx, btcdev.Config{Dir: dir, RPCAddr: f.rpcAddr, P2PAddr: p2p, User: "chaintap", Pass: "regtest"})
	if err != nil {
		return nil, err
	}
	traffic, err := btcdev.NewTraffic(ctx, node, 1)
	if err != nil {
		node.Kill()
		return nil, err
	}
	from := uint64(0)
	cfg.Chains = append(cfg.Chains, config.Chain{Name: demoBitcoinChain, Family: string(chaintap.FamilyBitcoin), URL: node.URL,
		RPCUser: node.User, RPCPassword: node.Pass, From: &from, PollInterval: config.Duration(500 * time.Millisecond)})
	if *cfg, err = config.Revalidate(*cfg); err != nil {
		node.Kill()
		return nil, err
	}
	fmt.Fprintf(out, "  btcd (regtest): %s  user chaintap, password regtest; a block every %s\n", node.URL, f.interval)
	return &demoBitcoin{node: node, traffic: traffic, flags: f}, nil
}

// run mines until ctx is done.
func (d *demoBitcoin) run(ctx context.Context) error {
	err := d.traffic.Run(ctx, d.flags.interval, d.flags.txs)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return fmt.Errorf("btcd traffic: %w", err)
}

func (d *demoBitcoin) stop() { d.node.Stop() }

// freeLoopbackAddr returns a loopback address with a port free now.
func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}
