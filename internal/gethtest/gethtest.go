// Package gethtest builds a real geth from the Go module proxy (cached
// between runs) and runs it in --dev mode on loopback ports for tests.
package gethtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/rpc"

	"github.com/chaintap/chaintap/internal/freeport"
	"github.com/chaintap/chaintap/internal/gotool"
)

// Version is the geth release the tests run: the newest that builds from
// the module proxy here (later ones need a blocked dependency).
const Version = "v1.17.8"

// tool is geth at Version, built from the module proxy.
func tool() gotool.Tool {
	return gotool.Tool{Package: "github.com/ethereum/go-ethereum/cmd/geth", Version: Version}
}

// Path is where the cached geth binary lives.
func Path() (string, error) { return tool().Path() }

// Install builds geth with `go install` unless it is cached already.
func Install(ctx context.Context) (string, error) { return tool().Install(ctx) }

// Geth is a running `geth --dev`.
type Geth struct {
	HTTP, WS string
	RPC      *rpc.Client
	cmd      *exec.Cmd
}

// Start installs (if needed) and starts geth --dev, which seals a block
// for every transaction; it is stopped when the test ends.
func Start(t testing.TB) *Geth {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	bin, err := Install(ctx)
	if err != nil {
		t.Fatal(err)
	}
	httpPort, wsPort, authPort := freeport.Port(t), freeport.Port(t), freeport.Port(t)
	dir := t.TempDir()
	cmd := exec.Command(bin, "--dev", "--datadir", dir, "--ipcdisable", "--nodiscover", "--maxpeers", "0", "--port", "0",
		"--http", "--http.addr", "127.0.0.1", "--http.port", strconv.Itoa(httpPort), "--http.api", "eth,net,web3,debug",
		"--ws", "--ws.addr", "127.0.0.1", "--ws.port", strconv.Itoa(wsPort), "--ws.api", "eth,net,web3,debug",
		"--authrpc.addr", "127.0.0.1", "--authrpc.port", strconv.Itoa(authPort), "--verbosity", "2")
	logf, err := os.Create(filepath.Join(dir, "geth.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	g := &Geth{HTTP: "http://127.0.0.1:" + strconv.Itoa(httpPort), WS: "ws://127.0.0.1:" + strconv.Itoa(wsPort), cmd: cmd}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := rpc.Dial(g.HTTP)
		if err == nil {
			var n string
			if err = c.Call(&n, "eth_blockNumber"); err == nil {
				g.RPC = c
				t.Cleanup(c.Close)
				return g
			}
			c.Close()
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "geth.log"))
			t.Fatalf("geth did not answer on %s: %v\n%s", g.HTTP, err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
