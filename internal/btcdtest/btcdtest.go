// Package btcdtest builds a real btcd from the Go module proxy (cached
// between runs) and runs it in regtest on loopback ports for tests, with
// wallets that mine and spend (btcd has no wallet: transactions are built
// and signed here).
package btcdtest

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
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/chaintap/chaintap/internal/freeport"
)

// Version is the btcd release the tests run.
const Version = "v0.26.2"

// Path is where the cached btcd binary lives.
func Path() (string, error) {
	dir := os.Getenv("XDG_CACHE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(home, ".cache")
	}
	return filepath.Join(dir, "chaintap", "btcd-"+Version, "btcd"), nil
}

// Install builds btcd with `go install` unless it is cached already.
func Install(ctx context.Context) (string, error) {
	bin, err := Path()
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	tmp, err := os.MkdirTemp("", "btcd-build")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, "go", "install", "github.com/btcsuite/btcd@"+Version)
	cmd.Dir = tmp // outside any module, so go.mod here does not apply
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install btcd@%s: %w\n%s", Version, err, out)
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", err
	}
	if err := os.Rename(filepath.Join(tmp, "btcd"), bin); err != nil {
		return "", fmt.Errorf("caching btcd: %w", err)
	}
	return bin, nil
}

// Node is a running btcd --regtest with -txindex, its coinbases paid to
// Miner.
type Node struct {
	URL        string // http://127.0.0.1:<port>
	User, Pass string
	Miner      *Wallet
	t          testing.TB
	bin, dir   string
	rpcPort    int
	p2pPort    int
	cmd        *exec.Cmd
	logf       *os.File
	http       *http.Client
}

// Start installs (if needed) and starts btcd in regtest; it is killed
// when the test ends.
func Start(t testing.TB) *Node {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	bin, err := Install(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n := &Node{User: "chaintap", Pass: "regtest", Miner: NewWallet(t), t: t, bin: bin, dir: t.TempDir(),
		rpcPort: freeport.Port(t), p2pPort: freeport.Port(t), http: &http.Client{Timeout: 30 * time.Second}}
	n.URL = "http://127.0.0.1:" + strconv.Itoa(n.rpcPort)
	t.Cleanup(n.Kill)
	n.Restart()
	return n
}

// Restart starts the node (again) on the same ports and data directory,
// and waits until it answers.
func (n *Node) Restart() {
	n.t.Helper()
	logf, err := os.OpenFile(filepath.Join(n.dir, "btcd.out"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		n.t.Fatal(err)
	}
	n.cmd = exec.Command(n.bin, "--regtest", "--txindex", "--notls",
		"--datadir", filepath.Join(n.dir, "data"), "--logdir", filepath.Join(n.dir, "logs"),
		"--rpcuser", n.User, "--rpcpass", n.Pass,
		"--rpclisten", "127.0.0.1:"+strconv.Itoa(n.rpcPort), "--listen", "127.0.0.1:"+strconv.Itoa(n.p2pPort),
		"--nodnsseed", "--miningaddr", n.Miner.Address(), "--debuglevel", "warn")
	n.cmd.Stdout, n.cmd.Stderr = logf, logf
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := n.cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	n.logf = logf
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, err := n.Call("getblockcount")
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			out, _ := os.ReadFile(filepath.Join(n.dir, "btcd.out"))
			n.t.Fatalf("btcd did not answer on %s: %v\n%s", n.URL, err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop stops the node as an operator would (SIGINT). Note that btcd
// v0.26.2 in regtest restarts at its genesis block after a clean stop as
// after a kill: the blocks `generate` mined are not kept.
func (n *Node) Stop() {
	n.t.Helper()
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
	n.cmd = nil
	if n.logf != nil {
		n.logf.Close()
		n.logf = nil
	}
}

// Kill kills the node at once (SIGKILL); Restart brings it back.
func (n *Node) Kill() {
	if n.cmd != nil && n.cmd.Process != nil {
		_ = n.cmd.Process.Kill()
		_ = n.cmd.Wait()
		n.cmd = nil
	}
	if n.logf != nil {
		n.logf.Close()
		n.logf = nil
	}
}

// Call sends one JSON-RPC request and returns its result.
func (n *Node) Call(method string, params ...any) (json.RawMessage, error) {
	if params == nil {
		params = []any{}
	}
	body, _ := json.Marshal(map[string]any{"jsonrpc": "1.0", "id": 1, "method": method, "params": params})
	req, err := http.NewRequest(http.MethodPost, n.URL, bytes.NewReader(body))
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
		return nil, fmt.Errorf("%s: node error %d: %s", method, r.Error.Code, r.Error.Message)
	}
	return r.Result, nil
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
	var hashes []string
	if err := json.Unmarshal(n.MustCall("generate", k), &hashes); err != nil {
		n.t.Fatal(err)
	}
	return hashes
}

// Height returns the node's block count.
func (n *Node) Height() uint64 {
	n.t.Helper()
	var h uint64
	if err := json.Unmarshal(n.MustCall("getblockcount"), &h); err != nil {
		n.t.Fatal(err)
	}
	return h
}

// HashAt returns the hash of the canonical block at height h.
func (n *Node) HashAt(h uint64) string {
	n.t.Helper()
	var hash string
	if err := json.Unmarshal(n.MustCall("getblockhash", h), &hash); err != nil {
		n.t.Fatal(err)
	}
	return hash
}

// Reorg invalidates the block at height from (and so every block above
// it) and mines a branch of length blocks from its parent; the new
// branch must be longer than the old one for the node to stay on it.
func (n *Node) Reorg(from uint64, length int) []string {
	n.t.Helper()
	n.MustCall("invalidateblock", n.HashAt(from))
	return n.Generate(length)
}
