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
// and line, so a user fixes a file in one go: unknown keys, unset
// variables, wrong types and bad values together.
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
    rpc_compression: zstd
    max_batch_blocks: lots
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
		`log_level (line 1): "loud"`,
		`chains[0].name (line 7): "bad name"`,
		`chains[0].url (line 8): scheme "ftp"`,
		`chains[0].confirm_tag (line 9)`,
		`chains[0].confirmations (line 10): 200 must be below reorg_window`,
		`chains[1].rpc_compression (line 15): "zstd": want auto, gzip or none`,
		"line 16: cannot unmarshal !!str `lots`",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("missing %q in:\n%s", want, text)
		}
	}
	if len(ps) != 12 {
		t.Errorf("%d problems, want 12:\n%s", len(ps), text)
	}
}

// TestParseSyntaxErrorLine: a syntax error names the line where the
// problem is, not where the enclosing block starts (yaml.v3 alone said
// line 1 for the bad indent on line 4 below).
func TestParseSyntaxErrorLine(t *testing.T) {
	for _, c := range []struct {
		name, file string
		line       int
	}{
		{"bad indent", "chains:\n  - name: x\n    url: ws://a:1\n   confirm_tag: safe\n", 4},
		{"unclosed flow sequence", "log_level: info\nkafka:\n  brokers: [\"a:1\"\nchains: []\n", 4},
		{"tab", "log_level: info\nkafka:\n  brokers: [\"a:1\"]\n\tchains: []\n", 4},
		{"unterminated string", "log_level: info\nkafka:\n  brokers: [\"a:1\"]\nchains: \"x\n", 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(c.file), env(nil))
			var ps Problems
			if !errors.As(err, &ps) || len(ps) != 1 {
				t.Fatalf("err = %v, want one problem", err)
			}
			if ps[0].Line != c.line || ps[0].Path != "(syntax)" {
				t.Fatalf("problem %q: want line %d", ps[0], c.line)
			}
		})
	}
}

func TestParseTypeError(t *testing.T) {
	_, err := Parse([]byte("kafka:\n  topics:\n    partitions: many\n"), env(nil))
	if err == nil || !strings.Contains(err.Error(), "many") {
		t.Fatalf("err = %v", err)
	}
}

// TestParseBitcoinChains: family bitcoin beside an EVM chain, its
// defaults (6 confirmations), and what a Bitcoin-family chain refuses.
func TestParseBitcoinChains(t *testing.T) {
	cfg, err := Parse([]byte(`
chains:
  - name: eth
    url: ws://127.0.0.1:8545
  - name: btc
    family: bitcoin
    url: http://127.0.0.1:8332
    rpc_cookie_file: /var/lib/bitcoind/.cookie
`), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if eth, b := cfg.Chains[0], cfg.Chains[1]; eth.Family != "evm" || b.Family != "bitcoin" || *b.Confirmations != 6 || b.Type != "bitcoin" {
		t.Fatalf("chains = %+v", cfg.Chains)
	}
	_, err = Parse([]byte(`
chains:
  - name: btc
    family: bitcoin
    type: evm
    url: ws://127.0.0.1:8332
    confirm_tag: finalized
    rpc_user: u
    rpc_cookie_file: c
  - name: ltc
    family: litecoin
    url: http://x
`), env(nil))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v, want Problems", err)
	}
	for _, want := range []string{"chains[0].type", "chains[0].confirm_tag", "chains[0].url", "chains[0].rpc_cookie_file", "chains[1].family"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("problems do not name %s:\n%v", want, err)
		}
	}
}

// TestParseZMQHashblock: zmq_hashblock is accepted on a Bitcoin-family
// chain as tcp://host:port or ipc:///path, refused on an EVM chain, and a
// bad endpoint is refused naming the field and its line.
func TestParseZMQHashblock(t *testing.T) {
	cfg, err := Parse([]byte(`
chains:
  - name: btc
    family: bitcoin
    url: http://127.0.0.1:8332
    zmq_hashblock: tcp://127.0.0.1:28332
  - name: doge
    family: bitcoin
    url: http://127.0.0.1:22555
    zmq_hashblock: ipc:///var/run/dogecoind/zmq.sock
`), env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Chains[0].ZMQHashblock; got != "tcp://127.0.0.1:28332" {
		t.Fatalf("zmq_hashblock = %q", got)
	}
	_, err = Parse([]byte(`
chains:
  - name: eth
    url: ws://127.0.0.1:8545
    zmq_hashblock: tcp://127.0.0.1:28332
  - name: b1
    family: bitcoin
    url: http://127.0.0.1:8332
    zmq_hashblock: http://127.0.0.1:28332
  - name: b2
    family: bitcoin
    url: http://127.0.0.1:8332
    zmq_hashblock: tcp://127.0.0.1
  - name: b3
    family: bitcoin
    url: http://127.0.0.1:8332
    zmq_hashblock: tcp://127.0.0.1:99999
  - name: b4
    family: bitcoin
    url: http://127.0.0.1:8332
    zmq_hashblock: 127.0.0.1:28332
`), env(nil))
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("err = %v, want Problems", err)
	}
	for _, want := range []string{
		`chains[0].zmq_hashblock (line 5): only a Bitcoin-family node`,
		`chains[1].zmq_hashblock (line 9): "http://127.0.0.1:28332": want tcp://host:port`,
		`chains[2].zmq_hashblock (line 13): "tcp://127.0.0.1": want tcp://host:port`,
		`chains[3].zmq_hashblock (line 17): "tcp://127.0.0.1:99999": port "99999": want 1..65535`,
		`chains[4].zmq_hashblock (line 21): "127.0.0.1:28332": want tcp://host:port`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	if len(ps) != 5 {
		t.Errorf("%d problems, want 5:\n%v", len(ps), err)
	}
}
