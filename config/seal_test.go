package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSealGood(t *testing.T) {
	key := filepath.Join(t.TempDir(), "seal.key")
	if err := os.WriteFile(key, []byte("PRIVATE+KEY+x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse([]byte(`
chains:
  - name: defaults
    url: ws://127.0.0.1:8545
    seal: {key_file: `+key+`}
  - name: chosen
    url: http://127.0.0.1:8545
    seal:
      key_env: CHAINTAP_SEAL_KEY
      entities: [blocks, logs, reorgs]
      views: [confirmed]
      every: 64
      interval: 250ms
  - name: btc
    family: bitcoin
    url: http://127.0.0.1:8332
    seal: {key_env: K}
  - name: unsealed
    url: ws://127.0.0.1:8545
`), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.Chains[0].Seal
	if !slices.Equal(d.Entities, []string{"blocks", "transactions", "logs", "token_transfers", "events", "reorgs"}) ||
		!slices.Equal(d.Views, []string{"head", "confirmed"}) || d.Every != 1000 || time.Duration(d.Interval) != 5*time.Second {
		t.Fatalf("defaults: %+v", d)
	}
	c := cfg.Chains[1].Seal
	if !slices.Equal(c.Entities, []string{"blocks", "logs", "reorgs"}) || !slices.Equal(c.Views, []string{"confirmed"}) || c.Every != 64 || time.Duration(c.Interval) != 250*time.Millisecond {
		t.Fatalf("chosen: %+v", c)
	}
	if b := cfg.Chains[2].Seal; !slices.Equal(b.Entities, []string{"blocks", "transactions", "reorgs"}) {
		t.Fatalf("a bitcoin chain seals %v", b.Entities)
	}
	if cfg.Chains[3].Seal != nil {
		t.Fatal("a chain without seal: is sealed")
	}
}

// TestSealBad: every problem of a seal section, with its path and line.
func TestSealBad(t *testing.T) {
	_, err := Parse([]byte(`kafka:
  topics: {compact: true}
chains:
  - name: a
    url: ws://127.0.0.1:8545
    seal:
      entities: [blocks, blocks, utxos]
      views: [head, pending]
      every: -1
      interval: -1s
      colour: red
  - name: b
    url: ws://127.0.0.1:8545
    seal:
      key_file: /nonexistent/seal.key
      key_env: K
      entities: []
  - name: c
    url: ws://127.0.0.1:8545
    seal:
      key_file: /nonexistent/seal.key
  - name: d
    family: bitcoin
    url: http://127.0.0.1:8332
    seal: {key_env: "not a name", entities: [logs]}
`), env(nil))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v, want Problems", err)
	}
	want := []string{
		"chains[0].seal.colour (line 11): unknown key",
		"chains[0].seal (line 6): give key_file",
		"chains[0].seal.entities[1] (line 7): \"blocks\" is listed twice",
		"chains[0].seal.entities[2] (line 7): \"utxos\": want one of blocks, transactions, logs, token_transfers, events, reorgs",
		"chains[0].seal.views[1] (line 8): \"pending\": want one of head, confirmed",
		"chains[0].seal.views (line 8): kafka.topics.compact compacts the head-view topics",
		"chains[0].seal.every (line 9): -1: want a positive number",
		"chains[0].seal.interval (line 10): -1s: want a positive duration",
		"chains[1].seal.key_env (line 16): give key_file or key_env, not both",
		"chains[1].seal.entities (line 17): empty: list some of",
		"chains[2].seal.key_file (line 21): /nonexistent/seal.key: no such file or directory",
		"chains[2].seal.views (line 20): kafka.topics.compact", // the default views include head
		"chains[3].seal.key_env (line 25): \"not a name\" is not an environment variable name",
		"chains[3].seal.entities[0] (line 25): \"logs\": want one of blocks, transactions, reorgs",
		"chains[3].seal.views (line 25): kafka.topics.compact",
	}
	text := ps.Error()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("missing %q in:\n%s", w, text)
		}
	}
	if len(ps) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(ps), len(want), text)
	}
}
