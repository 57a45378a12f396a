package contracts

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/chaintap/chaintap/internal/npmci"
)

// TestGeneratedUpToDate recompiles the Solidity sources with the pinned
// solc-js and regenerates the bindings with abigen, and fails if any
// committed output differs: run `go generate ./contracts` after editing a
// contract. It installs solc-js with npm when it is missing.
func TestGeneratedUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs solc-js and abigen")
	}
	npmci.Ensure(t, ".", "solc")
	dir := t.TempDir()
	run(t, ".", "node", "compile.js", dir)
	for _, c := range []struct{ name, bindings string }{{"BatteryRegistry", "battery_registry.go"}, {"DemoToken", "demo_token.go"}, {"SealAnchor", "seal_anchor.go"}} {
		for _, ext := range []string{".abi", ".bin"} {
			same(t, filepath.Join("build", c.name+ext), filepath.Join(dir, c.name+ext))
		}
		out := filepath.Join(dir, c.bindings)
		run(t, ".", "go", "run", "github.com/ethereum/go-ethereum/cmd/abigen@v1.17.10", "--v2",
			"--abi", filepath.Join(dir, c.name+".abi"), "--bin", filepath.Join(dir, c.name+".bin"),
			"--pkg", "contracts", "--type", c.name, "--out", out)
		same(t, c.bindings, out)
	}
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func same(t *testing.T, committed, fresh string) {
	t.Helper()
	a, err := os.ReadFile(committed)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(fresh)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatalf("%s is stale: run `go generate ./contracts` and commit the result", committed)
	}
}
