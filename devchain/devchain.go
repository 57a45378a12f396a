// Package devchain is a simulated EVM chain in-process (go-ethereum's
// ethclient/simulated), optionally served over real JSON-RPC on HTTP and
// WebSocket so that outside tools can talk to it. It can reorganise on
// demand, which is how the reorg handling is tested and shown.
package devchain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/catalyst"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/rpc"
)

// ChainID is the chain id of every simulated chain (go-ethereum's choice).
const ChainID = 1337

// Config configures a devchain.
type Config struct {
	// Addr serves JSON-RPC over HTTP and WebSocket on host:port; empty
	// serves nothing (in-process use only).
	Addr string
	// Accounts is the number of funded dev accounts (default 10).
	Accounts int
	// Seed derives the dev accounts' keys, so they are the same every run.
	Seed string
	// DataDir persists the chain, so a restart continues it; empty keeps
	// it in memory and starts from genesis.
	DataDir string
}

// Chain is a running simulated chain.
type Chain struct {
	mu     sync.Mutex // serialises block production and reorgs
	stack  *node.Node
	beacon *catalyst.SimulatedBeacon
	client *ethclient.Client
	rpc    *rpc.Client
	keys   []*ecdsa.PrivateKey
	addr   string
	seed   string
}

// Seed is the seed the accounts derive from.
func (c *Chain) Seed() string { return c.seed }

// Start starts a chain whose dev accounts each hold 1,000,000 ether.
func Start(cfg Config) (*Chain, error) {
	if cfg.Accounts <= 0 {
		cfg.Accounts = 10
	}
	if cfg.Seed == "" {
		cfg.Seed = "chaintap devchain"
	}
	keys := DevKeys(cfg.Seed, cfg.Accounts)
	alloc := types.GenesisAlloc{}
	fund := new(big.Int).Mul(big.NewInt(1_000_000), big.NewInt(1e18))
	for _, k := range append(append([]*ecdsa.PrivateKey(nil), keys...), fleetKeySet(cfg.Seed)...) {
		alloc[crypto.PubkeyToAddress(k.PublicKey)] = types.Account{Balance: fund}
	}
	nodeConf := node.DefaultConfig
	nodeConf.DataDir = cfg.DataDir
	// The node keeps its data in DataDir/<Name>. The name changed when the
	// state scheme did (hash, see startNode): a data directory from an
	// older chaintap holds a path-scheme database geth would refuse to
	// open with the hash scheme; under the new name it starts a new chain
	// instead, which the follower corrects (on_confirmed_reorg: correct).
	nodeConf.Name = "chaintap-devchain-archive"
	nodeConf.P2P.NoDiscovery, nodeConf.P2P.ListenAddr, nodeConf.P2P.MaxPeers = true, "", 0
	nodeConf.HTTPHost, nodeConf.WSHost = "", ""
	if cfg.Addr != "" {
		host, port, err := splitAddr(cfg.Addr)
		if err != nil {
			return nil, err
		}
		modules := []string{"eth", "net", "web3", "debug", "devchain"}
		nodeConf.HTTPHost, nodeConf.HTTPPort, nodeConf.HTTPModules = host, port, modules
		nodeConf.WSHost, nodeConf.WSPort, nodeConf.WSModules = host, port, modules
		nodeConf.HTTPVirtualHosts, nodeConf.HTTPCors, nodeConf.WSOrigins = []string{"*"}, []string{"*"}, []string{"*"}
		cfg.Addr = net.JoinHostPort(host, strconv.Itoa(port))
	}
	c := &Chain{keys: keys, addr: cfg.Addr, seed: cfg.Seed}
	stack, beacon, err := startNode(&nodeConf, alloc, []rpc.API{{Namespace: "devchain", Service: &api{chain: c}}})
	if err != nil {
		return nil, err
	}
	rc := stack.Attach()
	c.stack, c.beacon, c.client, c.rpc = stack, beacon, ethclient.NewClient(rc), rc
	return c, nil
}

// splitAddr resolves port 0 to a free port now, so the URLs can be printed.
func splitAddr(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, fmt.Errorf("devchain address %q: %w", addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return "", 0, fmt.Errorf("devchain port %q: %w", p, err)
	}
	if port == 0 {
		l, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return "", 0, fmt.Errorf("finding a free port for the devchain: %w", err)
		}
		port = l.Addr().(*net.TCPAddr).Port
		l.Close()
	}
	return host, port, nil
}

// DevKeys derives n private keys from seed; the same seed gives the same keys.
func DevKeys(seed string, n int) []*ecdsa.PrivateKey {
	keys := make([]*ecdsa.PrivateKey, n)
	for i := range keys {
		k, err := crypto.ToECDSA(crypto.Keccak256([]byte(seed + "/" + strconv.Itoa(i))))
		if err != nil {
			panic(err) // a keccak output is a valid key except with negligible probability
		}
		keys[i] = k
	}
	return keys
}

// RPC returns an in-process JSON-RPC client (subscriptions included).
func (c *Chain) RPC() *rpc.Client { return c.rpc }

// Client returns an ethclient over the in-process connection.
func (c *Chain) Client() *ethclient.Client { return c.client }

// Keys returns the funded dev accounts' keys.
func (c *Chain) Keys() []*ecdsa.PrivateKey { return c.keys }

// HTTPURL is the JSON-RPC HTTP endpoint ("" when not served).
func (c *Chain) HTTPURL() string {
	if c.addr == "" {
		return ""
	}
	return "http://" + c.addr
}

// WSURL is the JSON-RPC WebSocket endpoint ("" when not served).
func (c *Chain) WSURL() string {
	if c.addr == "" {
		return ""
	}
	return "ws://" + c.addr
}

// WaitPending waits until the pool holds at least n pending transactions.
// The pool admits a sent transaction in the background: a Commit right
// after sending may seal a block without the last ones (39 of 40 once, in
// CI). Callers that need a block of exactly what they sent wait first.
func (c *Chain) WaitPending(ctx context.Context, n int) error {
	for {
		var status map[string]hexutil.Uint
		if err := c.rpc.CallContext(ctx, &status, "txpool_status"); err != nil {
			return fmt.Errorf("txpool status: %w", err)
		}
		if int(status["pending"]) >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d transactions pending: %w", status["pending"], n, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Commit seals the pending transactions into a new block.
func (c *Chain) Commit() common.Hash {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.beacon.Commit()
}

// Reorg orphans the newest depth blocks: the chain's head goes back to the
// block below them, and blocks new blocks are sealed on top (the orphaned
// transactions go back to the pool and are included again). The new
// blocks have later timestamps, so they differ from the orphans.
func (c *Chain) Reorg(ctx context.Context, depth, blocks int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for attempt := 0; ; attempt++ {
		err := c.fork(ctx, depth)
		if err == nil {
			break
		}
		// Transactions of an earlier reorg come back to the pool in the
		// background; the beacon refuses to fork over them. Seal them (the
		// reorg then orphans them again), and if they keep coming, drop them.
		if attempt < 50 && strings.Contains(err.Error(), "pending block dirty") {
			if attempt < 10 {
				c.beacon.Commit()
			} else {
				c.beacon.Rollback()
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		return err
	}
	return c.sealUpTo(ctx, blocks)
}

// sealUpTo seals until blocks more blocks are on the chain. The beacon's
// Commit only logs a failure (under load, building a payload can fail),
// so count the blocks instead of the calls: a reorg that orphaned blocks
// and sealed none would leave the chain silently shorter.
func (c *Chain) sealUpTo(ctx context.Context, blocks int) error {
	start, err := c.client.BlockNumber(ctx)
	if err != nil {
		return fmt.Errorf("reading the head: %w", err)
	}
	for attempt := 0; attempt < 10*blocks+10; attempt++ {
		n, err := c.client.BlockNumber(ctx)
		if err != nil {
			return fmt.Errorf("reading the head: %w", err)
		}
		if n >= start+uint64(blocks) {
			return nil
		}
		c.beacon.Commit()
	}
	return fmt.Errorf("sealing %d blocks after a reorg: the chain did not grow", blocks)
}

// ErrBelowFinalized refuses a reorg that would orphan a finalized block.
var ErrBelowFinalized = errors.New("below the finalized block")

// Headroom is how deep a reorg can go now: the blocks above the finalized one.
func (c *Chain) Headroom(ctx context.Context) (uint64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	head, err := c.client.BlockNumber(ctx)
	if err != nil {
		return 0, fmt.Errorf("reading the head: %w", err)
	}
	return c.headroom(ctx, head)
}

func (c *Chain) headroom(ctx context.Context, head uint64) (uint64, error) {
	fin, err := c.client.HeaderByNumber(ctx, big.NewInt(int64(rpc.FinalizedBlockNumber)))
	if errors.Is(err, ethereum.NotFound) {
		return head, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading the finalized block: %w", err)
	}
	return head - min(head, fin.Number.Uint64()), nil
}

func (c *Chain) fork(ctx context.Context, depth int) error {
	head, err := c.client.HeaderByNumber(ctx, nil)
	if err != nil {
		return fmt.Errorf("reading the head: %w", err)
	}
	if head.Number.Uint64() < uint64(depth) {
		return fmt.Errorf("cannot reorg %d blocks of a chain of %d", depth, head.Number.Uint64())
	}
	// The simulated beacon finalizes every 32nd block and geth moves
	// finalized blocks into its immutable ancient store (about once a
	// minute). A fork below the finalized block works until that happens;
	// then the stale frozen hashes shadow the new blocks at those heights,
	// every forkchoice is refused ("safe block not in canonical chain")
	// and no block is sealed again. A real PoS chain cannot reorg a
	// finalized block either.
	if room, err := c.headroom(ctx, head.Number.Uint64()); err != nil {
		return err
	} else if uint64(depth) > room {
		return fmt.Errorf("cannot reorg %d blocks: only the newest %d are above the finalized block: %w", depth, room, ErrBelowFinalized)
	}
	ancestor, err := c.client.HeaderByNumber(ctx, new(big.Int).SetUint64(head.Number.Uint64()-uint64(depth)))
	if err != nil {
		return fmt.Errorf("reading the ancestor: %w", err)
	}
	if err := c.beacon.Fork(ancestor.Hash()); err != nil {
		return fmt.Errorf("forking at %d: %w", ancestor.Number.Uint64(), err)
	}
	return nil
}

// Seal seals blocks until every one of txs is in one and returns their
// receipts, in order. The beacon's Commit only logs a failure (under load,
// building a payload can fail), so a transaction still not sealed after a
// Commit gets another one: the chain may grow by more than one block.
func (c *Chain) Seal(ctx context.Context, txs ...common.Hash) ([]*types.Receipt, error) {
	out := make([]*types.Receipt, len(txs))
	var err error
	for attempt := 0; attempt < 20 && ctx.Err() == nil; attempt++ {
		c.Commit()
		err = nil
		for i, tx := range txs {
			if out[i] != nil {
				continue
			}
			if out[i], err = c.waitReceipt(ctx, tx, time.Second); err != nil {
				break
			}
		}
		if err == nil {
			return out, nil
		}
	}
	return nil, fmt.Errorf("sealing %d transactions: %w", len(txs), errors.Join(err, ctx.Err()))
}

// Receipt returns the receipt of a sealed transaction, waiting (up to 10 s)
// while the node is still indexing it: right after a block is sealed, geth
// may answer "transaction indexing is in progress" or "not found".
func (c *Chain) Receipt(ctx context.Context, tx common.Hash) (*types.Receipt, error) {
	return c.waitReceipt(ctx, tx, 10*time.Second)
}

// WaitSealed waits (up to 30 s) until tx is in a block — the devchain
// seals on its own interval — and returns its receipt.
func (c *Chain) WaitSealed(ctx context.Context, tx common.Hash) (*types.Receipt, error) {
	return c.waitReceipt(ctx, tx, 30*time.Second)
}

// waitReceipt asks for tx's receipt until it is there or d has passed;
// "not found" and "indexing" mean not yet, any other error is returned.
func (c *Chain) waitReceipt(ctx context.Context, tx common.Hash, d time.Duration) (*types.Receipt, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	for {
		r, err := c.client.TransactionReceipt(ctx, tx)
		if err == nil {
			return r, nil
		}
		if !errors.Is(err, ethereum.NotFound) && !strings.Contains(err.Error(), "indexing is in progress") {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("receipt of %s: %w (last: %v)", tx.Hex(), ctx.Err(), err)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// Close stops the chain. It is idempotent.
func (c *Chain) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stack == nil {
		return nil
	}
	c.rpc.Close()
	err := errors.Join(c.beacon.Stop(), c.stack.Close())
	c.stack = nil
	return err
}

// SealEvery seals a block every interval, with whatever the pool holds,
// until ctx is done: a node that mines on its own, for tests of clients
// that send transactions and wait for them.
func (c *Chain) SealEvery(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			c.Commit()
		}
	}
}
