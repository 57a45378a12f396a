// Package conformance finds the conformance corpus the repository carries
// (real mainnet JSON-RPC answers and ethereum-etl's and bitcoin-etl's
// expected outputs, MIT-licensed, copied unchanged with their LICENSE and
// SOURCE_COMMIT files) under testdata/conformance at the module root.
package conformance

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Dir returns the ethereum-etl corpus directory, failing the test when it
// cannot be found (a silently skipped conformance test proves nothing).
func Dir(t testing.TB) string {
	t.Helper()
	return corpus(t, "ethereum-etl")
}

// BitcoinDir returns the bitcoin-etl corpus directory.
func BitcoinDir(t testing.TB) string {
	t.Helper()
	return corpus(t, "bitcoin-etl")
}

// corpus finds testdata/conformance/<name> at the module root: the test's
// working directory is its package's, wherever the package sits.
func corpus(t testing.TB, name string) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			c := filepath.Join(dir, "testdata", "conformance", name)
			if _, err := os.Stat(c); err != nil {
				t.Fatalf("conformance corpus not found at %s: %v", c, err)
			}
			return c
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("no go.mod above the test's directory")
		}
	}
}

// Result returns the "result" of a recorded web3_response file.
func Result(t testing.TB, path string) json.RawMessage {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Result json.RawMessage `json:"result"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return env.Result
}

// Lines reads a newline-delimited JSON file into generic objects.
func Lines(t testing.TB, path string) []map[string]any {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		if line == "" {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(line))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		out = append(out, m)
	}
	return out
}
