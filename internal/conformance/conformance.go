// Package conformance finds the shared conformance corpus (real mainnet
// JSON-RPC answers and ethereum-etl's expected outputs) beside the
// repository: ../shared/conformance, or $CHAINTAP_SHARED/conformance.
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
	shared := os.Getenv("CHAINTAP_SHARED")
	if shared == "" {
		wd, err := os.Getwd()
		if err != nil {
			t.Fatal(err)
		}
		for dir := wd; ; dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				shared = filepath.Join(dir, "..", "shared")
				break
			}
			if filepath.Dir(dir) == dir {
				t.Fatal("no go.mod above the test's directory")
			}
		}
	}
	dir := filepath.Join(shared, "conformance", "ethereum-etl")
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("conformance corpus not found at %s (set CHAINTAP_SHARED to the shared/ folder): %v", dir, err)
	}
	return dir
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
