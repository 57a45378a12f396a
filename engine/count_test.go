package engine

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/stream"
)

// TestCountPerKey runs a count per key over a 4-partition input, with
// retractions, beside a pass-through query in the same engine. Every key's
// outputs, read read_committed, are exactly the counts its inputs make,
// each once; the outputs are partitioned by murmur2 of their key; each
// task's changelog records go to its own partition.
func TestCountPerKey(t *testing.T) {
	cfg := startBroker(t)
	makeTopic(t, cfg, "events", 4)
	produce(t, cfg, "events", inputs(400, 16, 0))
	copyOut := "copy-out"
	copyQuery := stream.Query{
		ID:            "copy",
		Inputs:        []string{"events"},
		Outputs:       []stream.TopicSpec{{Name: copyOut, Partitions: 3, Compacted: true}},
		NewProcessor:  func(int32) stream.Processor { return passThrough{out: copyOut} },
		FromBeginning: true,
	}
	r := start(t, cfg, "one", t.TempDir(), countQuery("count", "events"), copyQuery)
	waitOutputs(t, cfg, "count-out", 400, 60*time.Second)
	// More input while it runs, in another transaction or several.
	produce(t, cfg, "events", inputs(200, 16, 400))
	waitOutputs(t, cfg, "count-out", 600, 60*time.Second)
	waitOutputs(t, cfg, copyOut, 600, 60*time.Second)

	got, _ := readOutputs(t, cfg, "count-out")
	want, _ := expectedOutputs(t, cfg, "events")
	checkOutputs(t, got, want)
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	if n := r.counter(t, "chaintap_engine_records_total"); n != 1200 {
		t.Errorf("records processed: %v, want 1200 (600 per query)", n)
	}

	for k, outs := range got {
		for _, o := range outs {
			if want := kafkaPartition([]byte(k), 4); o.partition != want {
				t.Fatalf("output of key %s in partition %d, want %d (murmur2)", k, o.partition, want)
			}
		}
	}
	checkPartitioned(t, cfg, copyOut, 3)
	// The changelog partition of a key is its input partition: the
	// input producer partitioned by murmur2 of the key too.
	checkPartitioned(t, cfg, ChangelogTopic("count"), 4)
	for topic, want := range map[string]string{copyOut: "compact", ChangelogTopic("count"): "compact", "count-out": "delete"} {
		if got := cleanupPolicy(t, cfg, topic); got != want {
			t.Errorf("%s: cleanup.policy %s, want %s", topic, got, want)
		}
	}
}

func cleanupPolicy(t *testing.T, cfg kafka.Config, topic string) string {
	t.Helper()
	cl, err := cfg.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	rcs, err := kadm.NewClient(cl).DescribeTopicConfigs(context.Background(), topic)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := rcs.On(topic, nil)
	if err == nil {
		err = rc.Err
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range rc.Configs {
		if c.Key == "cleanup.policy" {
			return c.MaybeValue()
		}
	}
	return ""
}

// checkPartitioned fails unless every record of topic is in the partition
// Kafka's default partitioner gives its key among parts.
func checkPartitioned(t *testing.T, cfg kafka.Config, topic string, parts int) {
	t.Helper()
	n := 0
	err := kafka.ReadTopic(context.Background(), cfg, topic, 0, func(r *kgo.Record) error {
		n++
		if want := kafkaPartition(r.Key, parts); r.Partition != want {
			return fmt.Errorf("%s: key %s in partition %d, want %d", topic, r.Key, r.Partition, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("%s is empty", topic)
	}
}

// kafkaPartition is the Java client's default partition of a keyed
// record: murmur2 of the key, sign bit masked, modulo the partitions.
func kafkaPartition(key []byte, parts int) int32 {
	return int32(int(murmur2(key)&0x7fffffff) % parts)
}

// murmur2 is Kafka's (org.apache.kafka.common.utils.Utils.murmur2),
// written here from its definition so that the engine's partitioning is
// checked against Kafka, not against the client it uses.
func murmur2(data []byte) uint32 {
	const seed, m, r = uint32(0x9747b28c), uint32(0x5bd1e995), 24
	h := seed ^ uint32(len(data))
	for len(data) >= 4 {
		k := binary.LittleEndian.Uint32(data)
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
		data = data[4:]
	}
	switch len(data) {
	case 3:
		h ^= uint32(data[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}

// TestMurmur2 checks the test's murmur2 against Kafka's own test vectors
// (UtilsTest.testMurmur2).
func TestMurmur2(t *testing.T) {
	for in, want := range map[string]int32{
		"21":                         -973932308,
		"foobar":                     -790332482,
		"a-little-bit-long-string":   -985981536,
		"a-little-bit-longer-string": -1486304829,
		"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
		"abc": 479470107,
	} {
		if got := int32(murmur2([]byte(in))); got != want {
			t.Errorf("murmur2(%q) = %d, want %d", in, got, want)
		}
	}
}
