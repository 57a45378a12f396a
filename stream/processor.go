// Package stream is chaintap's stream processing, the Kafka Streams model
// without Kafka: what one task of a persistent query does with one input
// record, given its state. The operators compiled from SQL plans live
// here; package engine runs them as Kafka consumer-group members with
// Pebble state, changelog topics and exactly-once transactions.
//
// The contract between the two is this file: a Processor per input
// partition, a Store it keeps its state in, and the Outputs it emits. A
// record's outputs, its state writes and its input offset commit together
// or not at all.
package stream

import "context"

// Header is a record header.
type Header struct {
	Key   string
	Value []byte
}

// Record is one input record as a task sees it. Value nil is a tombstone:
// on a table's topic it deletes the key; with the header op=retract it
// retracts the record of that key (a reorg orphaned it).
type Record struct {
	Topic     string
	Partition int32
	Offset    int64
	Key       []byte
	Value     []byte
	Headers   []Header // valid during Process only: the engine reuses the slice
	Timestamp int64    // ms since the epoch
}

// Header returns the value of the header named key, nil when absent.
func (r *Record) Header(key string) []byte {
	for _, h := range r.Headers {
		if h.Key == key {
			return h.Value
		}
	}
	return nil
}

// Output is a record a processor emits. The engine produces it in the
// task's transaction, partitioned by its key with Kafka's default
// partitioner (murmur2), as ksqlDB and Kafka Streams do, so that outputs
// are co-partitioned with any topic keyed the same way.
type Output struct {
	Topic     string
	Key       []byte
	Value     []byte // nil: a tombstone
	Headers   []Header
	Timestamp int64
}

// Store is a task's key-value state. Reads see the task's own writes at
// once. Writes become durable only with the transaction that commits the
// outputs and the input offset of the records that made them: after an
// abort or a crash the store is as of the last commit. Keys and values
// passed in may be kept; those handed out must not be modified and are
// valid until the next call.
type Store interface {
	Get(key []byte) (value []byte, ok bool, err error)
	Set(key, value []byte) error
	Delete(key []byte) error
	// Range calls fn for every key in [start, end) in byte order, the
	// task's uncommitted writes included; end nil means no upper bound.
	Range(start, end []byte, fn func(key, value []byte) error) error
}

// Processor is one task's logic; the engine makes one per input partition
// and calls it from one goroutine.
type Processor interface {
	// Process handles one record. It must be deterministic in the store's
	// contents and the record: after an aborted transaction the engine
	// restores the store and processes the same records again, and the
	// outputs must be the same. The engine then uses a new processor, so
	// a processor may keep in memory what it derived from the store. An
	// error stops the task (a record that is merely bad is the
	// processor's to route to an errors topic).
	Process(ctx context.Context, r Record, st Store, emit func(Output)) error
}

// TopicSpec is a topic a query writes, created when missing.
type TopicSpec struct {
	Name       string
	Partitions int32 // 0: as many as the query's inputs
	Compacted  bool  // a table's topic: latest value per key
	// Repartition marks a topic a later stage of the same query reads:
	// its records carry event time, which may be years old (a chain's
	// history), and must not expire by time before that stage has read
	// them.
	Repartition bool
}

// Query is a persistent query as the engine runs it: a consumer group
// over co-partitioned input topics, one task per partition.
type Query struct {
	// ID names the consumer group, the transactional IDs and the
	// changelog topic; it must stay the same across restarts.
	ID      string
	Inputs  []string
	Outputs []TopicSpec
	// NewProcessor returns the processor of one input partition.
	NewProcessor func(partition int32) Processor
	// PurgeInputs says the inputs are a repartition topic that this query
	// alone reads: the records it has committed past may be deleted.
	PurgeInputs bool
	// FromBeginning starts at the earliest offsets when the group has
	// committed none (ksqlDB's auto.offset.reset=earliest); otherwise at
	// the latest.
	FromBeginning bool
}

// Record headers the processing layer reads and writes, beside the
// follower's (chain, block_number, block_hash, op, origin).
const (
	// HeaderOp is "upsert" or "retract" (see kafka.HeaderOp).
	HeaderOp  = "op"
	OpRetract = "retract"
)
