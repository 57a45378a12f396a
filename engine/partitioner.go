package engine

import "github.com/twmb/franz-go/pkg/kgo"

// partitioner places a query's records. A changelog record goes to the
// partition set on it, its task's own: the changelog partition p is the
// state of input partition p. Outputs go by Kafka's default partitioner
// for keyed records, murmur2 of the key with the sign bit masked, modulo
// the partition count (kgo's StickyKeyPartitioner with a nil hasher is
// exactly that; unkeyed records stick to a random partition per batch),
// so that an output is co-partitioned with every topic Java clients,
// ksqlDB or Kafka Streams key the same way.
type partitioner struct {
	changelog     string
	manual, byKey kgo.Partitioner
}

func newPartitioner(changelog string) partitioner {
	return partitioner{changelog: changelog, manual: kgo.ManualPartitioner(), byKey: kgo.StickyKeyPartitioner(nil)}
}

func (p partitioner) ForTopic(topic string) kgo.TopicPartitioner {
	if topic == p.changelog {
		return p.manual.ForTopic(topic)
	}
	return p.byKey.ForTopic(topic)
}
