package kafka

import (
	"fmt"
	"net"
	"strconv"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Broker is the embedded Kafka-protocol broker (franz-go's kfake) that
// `chaintap up` and the tests run in-process. It speaks the real wire
// protocol on a TCP port, so any Kafka tool can read it.
type Broker struct {
	cluster *kfake.Cluster
	addr    string
}

// BrokerConfig configures the embedded broker.
type BrokerConfig struct {
	// Addr is host:port to listen on; port 0 picks a free one (see Broker.Addr).
	Addr string
	// DataDir persists the broker's data; empty keeps it in memory only.
	DataDir string
}

// StartBroker starts the embedded broker.
func StartBroker(cfg BrokerConfig) (*Broker, error) {
	host, portStr, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("embedded broker address %q: %w", cfg.Addr, err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return nil, fmt.Errorf("embedded broker port %q: %w", portStr, err)
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.Ports(port),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) {
			return net.Listen(network, net.JoinHostPort(host, strconv.Itoa(port)))
		}),
		// As Kafka's default (auto.create.topics.enable): a topic a client
		// produces to is created, so `kcat -P -t anything` works against
		// the embedded broker as against a stock Kafka. Only clients that
		// ask for it get it (librdkafka, Java producers); franz-go's, ours
		// included, do not, so chaintap still sees a missing topic as one.
		kfake.AllowAutoTopicCreation(),
		kfake.BrokerConfigs(map[string]string{
			// Compaction matters for the cursor and table topics; kfake's
			// default cleaner interval is an hour.
			"log.cleaner.backoff.ms": "30000",
		}),
	}
	if cfg.DataDir != "" {
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("starting the embedded broker on %s: %w", cfg.Addr, err)
	}
	return &Broker{cluster: c, addr: c.ListenAddrs()[0]}, nil
}

// Addr is the bootstrap address (host:port).
func (b *Broker) Addr() string { return b.addr }

// Close stops the broker, flushing its data dir. It is idempotent.
func (b *Broker) Close() {
	if b.cluster != nil {
		b.cluster.Close()
		b.cluster = nil
	}
}

// ApplyRetention enforces the topics' retention now, as the broker does
// on its own every log.cleaner.backoff.ms (30 s): records whose timestamp
// is older than a topic's retention.ms are deleted. For tests of what
// survives it.
func (b *Broker) ApplyRetention() { b.cluster.ApplyRetention() }
