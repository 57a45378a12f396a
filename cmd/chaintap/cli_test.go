package main

import (
	"bytes"
	"context"
	"github.com/chaintap/chaintap/config"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, &out, &errOut, func(string) (string, bool) { return "", false })
	return code, out.String(), errOut.String()
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(good, []byte("chains:\n  - name: eth\n    url: ws://127.0.0.1:8545\n    confirm_tag: finalized\n"), 0o644)
	os.WriteFile(bad, []byte("kafka:\n  brokers: [\"k:9092\"]\n  topcs: {}\nchains:\n  - name: eth\n    ulr: ws://x\n"), 0o644)

	if code, out, errOut := runCLI(t, "check-config", "-c", good); code != 0 || !strings.Contains(out, "ok (1 chain(s))") {
		t.Fatalf("good config: code %d, out %q, err %q", code, out, errOut)
	}
	code, _, errOut := runCLI(t, "check-config", "-c", bad)
	if code != 1 {
		t.Fatalf("bad config exited %d", code)
	}
	for _, want := range []string{`kafka.topcs (line 3): unknown key (did you mean "topics"?)`, `chains[0].ulr (line 6): unknown key (did you mean "url"?)`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("missing %q in:\n%s", want, errOut)
		}
	}
	if code, _, errOut := runCLI(t, "check-config", "-c", filepath.Join(dir, "missing.yaml")); code != 1 || !strings.Contains(errOut, "missing.yaml") {
		t.Fatalf("missing file: code %d, %q", code, errOut)
	}
}

func TestIngestUnreachableNode(t *testing.T) {
	code, _, errOut := runCLI(t, "ingest", "--url", "http://127.0.0.1:1", "--name", "x", "--brokers", "127.0.0.1:1")
	if code != 1 || !strings.Contains(errOut, "http://127.0.0.1:1") {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
}

func TestIngestNeedsAChain(t *testing.T) {
	code, _, errOut := runCLI(t, "ingest")
	if code != 1 || !strings.Contains(errOut, "no chain to follow") {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
}

func TestContractsConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "c.yaml")
	os.WriteFile(cfg, []byte(`chains:
  - name: eth
    url: ws://127.0.0.1:8545
    standards: [ERC-20, ERC-777]
    contracts:
      - name: Battery
        address: "0x12"
        abi: `+filepath.Join(dir, "missing.json")+`
`), 0o644)
	code, _, errOut := runCLI(t, "check-config", "-c", cfg)
	for _, want := range []string{`chains[0].standards[1] (line 4): "ERC-777"`, `chains[0].contracts[0].address (line 7): "0x12"`, `chains[0].contracts[0].abi (line 8)`} {
		if code != 1 || !strings.Contains(errOut, want) {
			t.Errorf("missing %q in:\n%s", want, errOut)
		}
	}
	abiPath := filepath.Join(dir, "bad.json")
	os.WriteFile(abiPath, []byte(`[{"type":"event","name":"X","inputs":[{"name":"a","type":"notatype"}]}]`), 0o644)
	_, err := buildDecoder(config.Chain{Name: "eth", Contracts: []config.Contract{{Name: "Bad", Address: "*", ABI: abiPath}}}, nil)
	if err == nil || !strings.Contains(err.Error(), "contract Bad") {
		t.Fatalf("err = %v, want one naming the contract", err)
	}
}

func TestProcessRejectsANonPositiveSessionTimeout(t *testing.T) {
	code, _, errOut := runCLI(t, "process", "--session-timeout", "0s", "-f", "demo.sql")
	if code != 2 || !strings.Contains(errOut, "--session-timeout 0s: must be positive") {
		t.Fatalf("code %d, stderr %q", code, errOut)
	}
}
