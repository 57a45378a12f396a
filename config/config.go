// Package config reads chaintap's YAML configuration strictly: unknown keys
// are errors, ${ENV} and ${ENV:-default} are interpolated, and every
// problem is reported with its path (kafka.topics.partitions) and line.
package config

import "time"

// Config is the whole configuration file.
type Config struct {
	// DataDir holds the embedded broker's and the devchain's data.
	DataDir  string  `yaml:"data_dir"`
	LogLevel string  `yaml:"log_level"`
	Kafka    Kafka   `yaml:"kafka"`
	Chains   []Chain `yaml:"chains"`
	Metrics  Metrics `yaml:"metrics"`
}

// Kafka says which cluster to use; no brokers means the embedded one.
type Kafka struct {
	Brokers  []string `yaml:"brokers"`
	Embedded Embedded `yaml:"embedded"`
	SASL     SASL     `yaml:"sasl"`
	TLS      TLS      `yaml:"tls"`
	Topics   Topics   `yaml:"topics"`
}

// Embedded configures the embedded broker.
type Embedded struct {
	Addr string `yaml:"addr"`
}

// SASL authentication for a real cluster.
type SASL struct {
	Mechanism string `yaml:"mechanism"`
	User      string `yaml:"user"`
	Password  string `yaml:"password"`
}

// TLS for a real cluster.
type TLS struct {
	Enabled            bool   `yaml:"enabled"`
	CAFile             string `yaml:"ca_file"`
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
}

// Topics configures the topics chaintap creates.
type Topics struct {
	Prefix            string   `yaml:"prefix"`
	Partitions        int32    `yaml:"partitions"`
	ReplicationFactor int16    `yaml:"replication_factor"`
	Retention         Duration `yaml:"retention"`
	Compact           bool     `yaml:"compact"`
}

// Chain is one followed chain.
type Chain struct {
	Name string `yaml:"name"`
	// Family is the chain family, which decides the adapter that reads
	// the node and the chain's topics: "evm" (the default) or "bitcoin"
	// (Bitcoin Core's JSON-RPC: Bitcoin, btcd, Dogecoin, Litecoin, …).
	Family string `yaml:"family"`
	// Type is Family's older name, still accepted.
	Type string `yaml:"type"`
	URL  string `yaml:"url"`
	// RPCUser and RPCPassword log in to a Bitcoin-family node; or
	// RPCCookieFile, the node's .cookie (re-read when a login fails,
	// since the node writes a new one at every start).
	RPCUser       string `yaml:"rpc_user"`
	RPCPassword   string `yaml:"rpc_password"`
	RPCCookieFile string `yaml:"rpc_cookie_file"`
	// RPCBatch is the number of calls per JSON-RPC batch of a
	// Bitcoin-family source (spent outputs' transactions).
	RPCBatch int `yaml:"rpc_batch"`
	// CacheTxs bounds the recent transactions whose outputs a
	// Bitcoin-family source keeps to resolve later inputs.
	CacheTxs int `yaml:"cache_txs"`
	// ZMQHashblock is a Bitcoin-family node's ZMQ hashblock endpoint
	// (Bitcoin Core's -zmqpubhashblock, e.g. tcp://127.0.0.1:28332):
	// each notification wakes the tip check at once; polling every
	// poll_interval goes on beside it.
	ZMQHashblock string `yaml:"zmq_hashblock"`
	// From is the first block to publish when the chain has no cursor.
	From          *uint64 `yaml:"from"`
	Confirmations *uint64 `yaml:"confirmations"`
	ConfirmTag    string  `yaml:"confirm_tag"`
	ReorgWindow   int     `yaml:"reorg_window"`
	// OnConfirmedReorg is what the follower does when a reorg orphans
	// confirmed blocks: "stop" (the default) or "correct".
	OnConfirmedReorg string `yaml:"on_confirmed_reorg"`
	// AcceptReorg is set by `ingest --accept-reorg`, never by the file: it
	// accepts the confirmed reorg the follower stopped on at that height.
	AcceptReorg  *uint64 `yaml:"-"`
	Concurrency  int     `yaml:"concurrency"`
	ReceiptBatch int     `yaml:"receipt_batch"`
	MaxBatch     int     `yaml:"max_batch_blocks"`
	// MemoryBudget bounds the bytes of blocks the follower holds (fetched
	// ahead, in the batch, published and not yet confirmed); default
	// 64MiB (follow.DefaultMemoryBudget).
	MemoryBudget Bytes    `yaml:"memory_budget"`
	PollInterval Duration `yaml:"poll_interval"`
	// RPCCompression is "auto" (the default: uncompressed from a node on
	// this machine, gzip otherwise), "gzip" or "none".
	RPCCompression string `yaml:"rpc_compression"`
	// Standards are the token interfaces decoded at any address (default:
	// all of ERC-20, ERC-721, ERC-1155; [] decodes none).
	Standards *[]string `yaml:"standards"`
	// Contracts are decoded with their ABIs into <name>.events.
	Contracts []Contract `yaml:"contracts"`
	// Seal, when present, seals the chain's topics (docs/seal.md).
	Seal *Seal `yaml:"seal"`
}

// Contract is a contract whose events are decoded.
type Contract struct {
	Name string `yaml:"name"`
	// Address is the contract's 0x-address, or "*" for any address.
	Address string `yaml:"address"`
	// ABI is the path of the ABI JSON (a plain array or a compiler
	// artifact with an "abi" field), relative to the working directory.
	ABI string `yaml:"abi"`
}

// Metrics configures the Prometheus endpoint.
type Metrics struct {
	// Addr serves /metrics on host:port; empty serves nothing.
	Addr string `yaml:"addr"`
}

// Duration is a time.Duration written as "1s", "250ms", "7d" is not allowed.
type Duration time.Duration

// UnmarshalText parses a Go duration string.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Defaults returns the configuration used when no file is given.
func Defaults() Config {
	return Config{
		DataDir:  ".chaintap",
		LogLevel: "info",
		Kafka:    Kafka{Embedded: Embedded{Addr: "127.0.0.1:9092"}},
	}
}

// DefaultReorgWindow is a chain's reorg_window when it sets none: how many
// recent headers the follower keeps to resolve a reorg, and so how deep
// a retraction on the head view can reach.
const DefaultReorgWindow = 128

// ChainDefaults fills what a chain left out.
func (c *Chain) defaults() {
	if c.Family == "" {
		c.Family = c.Type
	}
	if c.Family == "" {
		c.Family = "evm"
	}
	if c.Type == "" {
		c.Type = c.Family
	}
	if c.ReorgWindow == 0 {
		c.ReorgWindow = DefaultReorgWindow
	}
	if c.OnConfirmedReorg == "" {
		c.OnConfirmedReorg = "stop"
	}
	if c.Confirmations == nil && c.ConfirmTag == "" && c.Family == "bitcoin" {
		n := uint64(6) // Bitcoin's customary depth
		c.Confirmations = &n
	}
	if c.Confirmations == nil && c.ConfirmTag == "" {
		n := uint64(12)
		c.Confirmations = &n
	}
	if c.Seal != nil {
		c.Seal.defaults(c.Family)
	}
}
