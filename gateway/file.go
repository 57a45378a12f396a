package gateway

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/chaintap/chaintap/decode"
)

// File is the gateway's configuration file (chaintap gateway
// --gateway-config). Secrets are never in it: keys and token secrets are
// named by environment variable.
type File struct {
	Senders   []SignerConfig `yaml:"senders"`
	Contracts []FileContract `yaml:"contracts"`
	Tokens    []FileToken    `yaml:"tokens"`

	MaxInFlight      int           `yaml:"max_in_flight"`
	MaxQueued        int           `yaml:"max_queued"`
	GasMarginPercent int           `yaml:"gas_margin_percent"`
	ResubmitAfter    time.Duration `yaml:"resubmit_after"`
	PollInterval     time.Duration `yaml:"poll_interval"`
	Confirmations    uint64        `yaml:"confirmations"`
}

// FileContract is a contract a call may name: its address and ABI file.
type FileContract struct {
	Name    string `yaml:"name"`
	Address string `yaml:"address"`
	ABI     string `yaml:"abi"`
}

// FileToken is a REST client: its secret is in the environment variable
// SecretEnv.
type FileToken struct {
	Name      string   `yaml:"name"`
	SecretEnv string   `yaml:"secret_env"`
	Senders   []string `yaml:"senders"`
	Contracts []string `yaml:"contracts"`
}

// LoadFile reads the file strictly: an unknown key is an error.
func LoadFile(path string) (File, error) {
	var f File
	raw, err := os.ReadFile(path)
	if err != nil {
		return f, fmt.Errorf("reading the gateway configuration: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return f, fmt.Errorf("gateway configuration %s: %w", path, err)
	}
	return f, nil
}

// Apply fills cfg from f: loads the senders' keys and the tokens' secrets
// from the environment and the contracts' ABIs from their files, and
// copies the limits.
func (f File) Apply(cfg *Config, getenv func(string) (string, bool)) error {
	cfg.Signers = map[string]Signer{}
	for _, sc := range f.Senders {
		if _, dup := cfg.Signers[sc.Name]; dup || sc.Name == "" {
			return fmt.Errorf("gateway configuration: sender name %q is empty or given twice", sc.Name)
		}
		s, err := LoadSigner(sc, getenv)
		if err != nil {
			return err
		}
		cfg.Signers[sc.Name] = s
	}
	for _, c := range f.Contracts {
		ct, err := decode.LoadContract(c.Name, c.Address, c.ABI)
		if err != nil {
			return err
		}
		cfg.Contracts = append(cfg.Contracts, ct)
	}
	for _, t := range f.Tokens {
		secret, ok := getenv(t.SecretEnv)
		if !ok || t.SecretEnv == "" {
			return fmt.Errorf("gateway token %s: environment variable %q is not set", t.Name, t.SecretEnv)
		}
		cfg.Tokens = append(cfg.Tokens, Token{Name: t.Name, Secret: secret, Senders: t.Senders, Contracts: t.Contracts})
	}
	cfg.MaxInFlight, cfg.MaxQueued, cfg.GasMarginPercent = f.MaxInFlight, f.MaxQueued, f.GasMarginPercent
	cfg.ResubmitAfter, cfg.PollInterval = f.ResubmitAfter, f.PollInterval
	if f.Confirmations != 0 { // else the chain's (the follower's confirmed depth) or the default
		cfg.Confirmations = f.Confirmations
	}
	return nil
}
