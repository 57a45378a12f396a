// Package btcdev runs a btcd in regtest on loopback, built from the Go
// module proxy (cached), with wallets that mine and spend: the Bitcoin
// chain of "chaintap up --bitcoin" and of the tests (internal/btcdtest).
// btcd has no wallet, so transactions are built and signed here.
package btcdev

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"

	"github.com/chaintap/chaintap/internal/gotool"
)

// Version is the btcd release that runs.
const Version = "v0.26.2"

// tool is btcd at Version, built from the module proxy.
func tool() gotool.Tool { return gotool.Tool{Package: "github.com/btcsuite/btcd", Version: Version} }

// Path is where the cached btcd binary lives.
func Path() (string, error) { return tool().Path() }

// Install builds btcd with `go install` unless it is cached already
// (about 20 s the first time).
func Install(ctx context.Context) (string, error) { return tool().Install(ctx) }

// Config configures a Node.
type Config struct {
	// Dir holds the node's data and logs.
	Dir string
	// RPCAddr and P2PAddr are loopback host:port addresses.
	RPCAddr, P2PAddr string
	User, Pass       string
}

// Node is a running btcd --regtest with -txindex, its coinbases paid to
// Miner. btcd v0.26.2 in regtest does not keep the blocks `generate`
// mined across a restart, clean or not: it comes back at its genesis.
type Node struct {
	URL        string // http://<RPCAddr>
	User, Pass string
	Miner      *Wallet
	cfg        Config
	bin        string
	cmd        *exec.Cmd
	logf       *os.File
	http       *http.Client
}

// Start installs btcd (if needed), starts it and waits until it answers.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	bin, err := Install(ctx)
	if err != nil {
		return nil, err
	}
	miner, err := NewWallet()
	if err != nil {
		return nil, err
	}
	n := &Node{URL: "http://" + cfg.RPCAddr, User: cfg.User, Pass: cfg.Pass, Miner: miner, cfg: cfg, bin: bin,
		http: &http.Client{Timeout: 30 * time.Second}}
	if err := n.Restart(ctx); err != nil {
		return nil, err
	}
	return n, nil
}

// Restart starts the node (again) with the same addresses and directory.
func (n *Node) Restart(ctx context.Context) error {
	if err := os.MkdirAll(n.cfg.Dir, 0o755); err != nil {
		return err
	}
	logf, err := os.OpenFile(filepath.Join(n.cfg.Dir, "btcd.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	n.cmd = exec.Command(n.bin, "--regtest", "--txindex", "--notls",
		"--datadir", filepath.Join(n.cfg.Dir, "data"), "--logdir", filepath.Join(n.cfg.Dir, "logs"),
		"--rpcuser", n.User, "--rpcpass", n.Pass, "--rpclisten", n.cfg.RPCAddr, "--listen", n.cfg.P2PAddr,
		"--nodnsseed", "--miningaddr", n.Miner.Address(), "--debuglevel", "warn")
	n.cmd.Stdout, n.cmd.Stderr = logf, logf
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // never outlive us
	if err := n.cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	n.logf = logf
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, err := n.Call(ctx, "getblockcount")
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			out, _ := os.ReadFile(filepath.Join(n.cfg.Dir, "btcd.out"))
			n.Kill()
			return fmt.Errorf("btcd did not answer on %s: %v\n%s", n.URL, err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop stops the node as an operator would (SIGINT), waiting up to 30 s.
func (n *Node) Stop() {
	if n.cmd == nil || n.cmd.Process == nil {
		return
	}
	_ = n.cmd.Process.Signal(os.Interrupt)
	done := make(chan struct{})
	go func() {
		_ = n.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = n.cmd.Process.Kill()
		<-done
	}
	n.release()
}

// Kill kills the node at once (SIGKILL). It is idempotent.
func (n *Node) Kill() {
	if n.cmd != nil && n.cmd.Process != nil {
		_ = n.cmd.Process.Kill()
		_ = n.cmd.Wait()
	}
	n.release()
}

func (n *Node) release() {
	n.cmd = nil
	if n.logf != nil {
		n.logf.Close()
		n.logf = nil
	}
}

// RPCError is an error the node answered with.
type RPCError struct {
	Method  string
	Code    int
	Message string
}

func (e *RPCError) Error() string {
	return fmt.Sprintf("%s: node error %d: %s", e.Method, e.Code, e.Message)
}

// Call sends one JSON-RPC request and returns its result.
func (n *Node) Call(ctx context.Context, method string, params ...any) (json.RawMessage, error) {
	if params == nil {
		params = []any{}
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "1.0", "id": 1, "method": method, "params": params})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.SetBasicAuth(n.User, n.Pass)
	resp, err := n.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var r struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(raw, &r); err != nil {
		return nil, fmt.Errorf("%s: HTTP %d: %s", method, resp.StatusCode, raw)
	}
	if r.Error != nil {
		return nil, &RPCError{Method: method, Code: r.Error.Code, Message: r.Error.Message}
	}
	return r.Result, nil
}

// callInto is Call decoding the result into v.
func (n *Node) callInto(ctx context.Context, v any, method string, params ...any) error {
	raw, err := n.Call(ctx, method, params...)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	return nil
}

// Generate mines k blocks and returns their hashes.
func (n *Node) Generate(ctx context.Context, k int) ([]string, error) {
	var hashes []string
	return hashes, n.callInto(ctx, &hashes, "generate", k)
}

// Height returns the node's block count.
func (n *Node) Height(ctx context.Context) (uint64, error) {
	var h uint64
	return h, n.callInto(ctx, &h, "getblockcount")
}

// HashAt returns the hash of the canonical block at height h.
func (n *Node) HashAt(ctx context.Context, h uint64) (string, error) {
	var hash string
	return hash, n.callInto(ctx, &hash, "getblockhash", h)
}

// Reorg invalidates the block at height from (and every block above it)
// and mines a branch of length blocks from its parent; the new branch
// must be longer than the old one for the node to stay on it.
func (n *Node) Reorg(ctx context.Context, from uint64, length int) ([]string, error) {
	hash, err := n.HashAt(ctx, from)
	if err != nil {
		return nil, err
	}
	if _, err := n.Call(ctx, "invalidateblock", hash); err != nil {
		return nil, err
	}
	return n.Generate(ctx, length)
}
