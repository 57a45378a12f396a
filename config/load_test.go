package config

import (
	"errors"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestParseGood(t *testing.T) {
	cfg, err := Parse([]byte(`
kafka:
  brokers: ["${BROKER}"]
  sasl: {mechanism: PLAIN, user: u, password: "${PASS:-secret}"}
chains:
  - name: eth-mainnet
    url: https://node.example:8545
    from: 17000000
    confirm_tag: finalized
`), env(map[string]string{"BROKER": "k1:9092"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Kafka.Brokers[0] != "k1:9092" || cfg.Kafka.SASL.Password != "secret" {
		t.Fatalf("interpolation: %+v", cfg.Kafka)
	}
	ch := cfg.Chains[0]
	if *ch.From != 17000000 || ch.Type != "evm" || ch.ReorgWindow != 128 || ch.Confirmations != nil {
		t.Fatalf("chain = %+v", ch)
	}
}

// TestParseReportsEveryProblem: one run names every problem, with its path
// and line, so a user fixes a file in one go.
func TestParseReportsEveryProblem(t *testing.T) {
	_, err := Parse([]byte(`log_level: loud
kafka:
  bokers: [a:1]
  topics:
    partitons: 3
chains:
  - name: "bad name"
    url: ftp://x
    confirm_tag: latest
    confirmations: 200
    colour: blue
  - name: ok
    url: ws://127.0.0.1:8545
    secret: ${NOPE}
`), env(nil))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v, want Problems", err)
	}
	text := err.Error()
	for _, want := range []string{
		`kafka.bokers (line 3): unknown key (did you mean "brokers"?)`,
		`kafka.topics.partitons (line 5): unknown key (did you mean "partitions"?)`,
		`chains[0].colour (line 11): unknown key`,
		`chains[1].secret (line 14): unknown key`,
		`${NOPE} (line 14): environment variable is not set`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	// Value problems are reported once the keys are right.
	_, err = Parse([]byte(`log_level: loud
chains:
  - name: "bad name"
    url: ftp://x
    confirm_tag: latest
    confirmations: 200
    rpc_compression: zstd
`), env(nil))
	text = err.Error()
	for _, want := range []string{
		`log_level (line 1): "loud"`,
		`chains[0].name (line 3): "bad name"`,
		`chains[0].url (line 4): scheme "ftp"`,
		`chains[0].confirm_tag (line 5)`,
		`chains[0].confirmations (line 6): 200 must be below reorg_window`,
		`chains[0].rpc_compression (line 7): "zstd": want auto, gzip or none`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
}

func TestParseTypeError(t *testing.T) {
	_, err := Parse([]byte("kafka:\n  topics:\n    partitions: many\n"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "many") {
		t.Fatalf("err = %v", err)
	}
}
