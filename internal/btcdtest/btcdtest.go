// Package btcdtest runs btcdev's regtest btcd for tests: on free loopback
// ports in the test's temporary directory, killed when the test ends,
// every failure failing the test.
package btcdtest

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/chaintap/chaintap/btcdev"
	"github.com/chaintap/chaintap/internal/freeport"
)

// Node is a btcdev.Node whose calls fail the test instead of returning
// errors.
type Node struct {
	*btcdev.Node
	t testing.TB
}

// Start installs (if needed) and starts btcd in regtest.
func Start(t testing.TB) *Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	n, err := btcdev.Start(ctx, btcdev.Config{Dir: t.TempDir(), User: "chaintap", Pass: "regtest",
		RPCAddr: "127.0.0.1:" + strconv.Itoa(freeport.Port(t)), P2PAddr: "127.0.0.1:" + strconv.Itoa(freeport.Port(t))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Kill)
	return &Node{Node: n, t: t}
}

// Restart starts the node again after Kill or Stop.
func (n *Node) Restart() {
	n.t.Helper()
	if err := n.Node.Restart(context.Background()); err != nil {
		n.t.Fatal(err)
	}
}

// Call sends one JSON-RPC request and returns its result.
func (n *Node) Call(method string, params ...any) (json.RawMessage, error) {
	return n.Node.Call(context.Background(), method, params...)
}

// MustCall is Call that fails the test on an error.
func (n *Node) MustCall(method string, params ...any) json.RawMessage {
	n.t.Helper()
	raw, err := n.Call(method, params...)
	if err != nil {
		n.t.Fatal(err)
	}
	return raw
}

// Generate mines k blocks and returns their hashes.
func (n *Node) Generate(k int) []string {
	n.t.Helper()
	hs, err := n.Node.Generate(context.Background(), k)
	if err != nil {
		n.t.Fatal(err)
	}
	return hs
}

// Height returns the node's block count.
func (n *Node) Height() uint64 {
	n.t.Helper()
	h, err := n.Node.Height(context.Background())
	if err != nil {
		n.t.Fatal(err)
	}
	return h
}

// HashAt returns the hash of the canonical block at height h.
func (n *Node) HashAt(h uint64) string {
	n.t.Helper()
	hash, err := n.Node.HashAt(context.Background(), h)
	if err != nil {
		n.t.Fatal(err)
	}
	return hash
}

// Reorg replaces the blocks from height from on by a branch of length
// blocks (btcdev.Node.Reorg).
func (n *Node) Reorg(from uint64, length int) []string {
	n.t.Helper()
	hs, err := n.Node.Reorg(context.Background(), from, length)
	if err != nil {
		n.t.Fatal(err)
	}
	return hs
}

// Traffic is a btcdev.Traffic whose blocks fail the test on an error.
type Traffic struct {
	*btcdev.Traffic
	t testing.TB
}

// NewTraffic mines until the first coinbases mature (btcdev.NewTraffic).
func NewTraffic(t testing.TB, n *Node, seed uint64) *Traffic {
	t.Helper()
	tr, err := btcdev.NewTraffic(context.Background(), n.Node, seed)
	if err != nil {
		t.Fatal(err)
	}
	return &Traffic{Traffic: tr, t: t}
}

// Block sends up to txs transactions and mines them into one block.
func (tr *Traffic) Block(txs int) string {
	tr.t.Helper()
	hash, err := tr.Traffic.Block(context.Background(), txs)
	if err != nil {
		tr.t.Fatal(err)
	}
	return hash
}
