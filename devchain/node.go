package devchain

import (
	"fmt"
	"maps"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core"
	"github.com/ethereum/go-ethereum/core/rawdb"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/eth"
	"github.com/ethereum/go-ethereum/eth/catalyst"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/eth/filters"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/params"
	"github.com/ethereum/go-ethereum/rpc"
)

// startNode assembles what ethclient/simulated.NewBackend assembles (a
// full node on every fork, sealed on demand by a simulated beacon) but
// keeps the node, so that its in-process client and its real HTTP/WS
// endpoints are ours to use.
func startNode(nodeConf *node.Config, alloc types.GenesisAlloc, apis []rpc.API) (*node.Node, *catalyst.SimulatedBeacon, error) {
	genesisAlloc := core.SystemContractAllocs()
	maps.Copy(genesisAlloc, alloc)
	ethConf := ethconfig.Defaults
	ethConf.Genesis = &core.Genesis{Config: params.AllDevChainProtocolChanges, GasLimit: ethconfig.Defaults.Miner.GasCeil, Alloc: genesisAlloc}
	ethConf.SyncMode = ethconfig.FullSync
	ethConf.TxPool.NoLocals = true
	// As ethclient/simulated does: no log index, which would otherwise keep
	// rebuilding in the background and compete with everything else.
	ethConf.LogNoHistory = true
	// geth sizes its Pebble memtables from DatabaseCache (2 GB by default:
	// 256 MB memtables) and preallocates a write-ahead log of about that
	// size for each, which put ~850 MB in a demo's working directory for
	// ~400 KB of data. The minimum (16 MB: 2 MB memtables) is plenty for a
	// chain of a block a second; TestDiskStaysSmall holds the bound.
	ethConf.DatabaseCache = 16
	if nodeConf.DataDir != "" {
		// A persisted chain must survive SIGKILL with every block it
		// served: with the default path scheme the state of recent blocks
		// lives in memory until a clean shutdown, and a killed devchain
		// restarted from genesis (measured: 38 blocks, then 0 after
		// restart). The hash scheme without pruning (an archive) writes
		// each block's state as it is sealed: 38, then 41.
		ethConf.StateScheme, ethConf.NoPruning = rawdb.HashScheme, true
	}

	stack, err := node.New(nodeConf)
	if err != nil {
		return nil, nil, fmt.Errorf("creating the devchain node: %w", err)
	}
	backend, err := eth.New(stack, &ethConf)
	if err != nil {
		stack.Close()
		return nil, nil, fmt.Errorf("creating the devchain: %w", err)
	}
	stack.RegisterAPIs(append(apis, rpc.API{Namespace: "eth", Service: filters.NewFilterAPI(filters.NewFilterSystem(backend.APIBackend, filters.Config{}))}))
	if err := stack.Start(); err != nil {
		stack.Close()
		return nil, nil, fmt.Errorf("starting the devchain node (is %s free?): %w", nodeConf.HTTPEndpoint(), err)
	}
	beacon, err := catalyst.NewSimulatedBeacon(0, common.Address{}, backend)
	if err != nil {
		stack.Close()
		return nil, nil, fmt.Errorf("starting the devchain's beacon: %w", err)
	}
	if nodeConf.DataDir == "" {
		// As ethclient/simulated does: start a fresh chain from genesis.
		if err := beacon.Fork(backend.BlockChain().GetCanonicalHash(0)); err != nil {
			stack.Close()
			return nil, nil, fmt.Errorf("resetting the devchain to genesis: %w", err)
		}
	}
	return stack, beacon, nil
}
