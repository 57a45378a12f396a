// Package engine runs chaintap's persistent queries (package stream's
// Query and Processor) the way Kafka Streams runs a topology, so that any
// number of instances share the work and a killed one changes no result.
//
// Per query and instance (names in names.go):
//
//   - a member of the consumer group _chaintap.query.<ID> over the query's
//     inputs, read_committed, with static membership (the instance ID) and
//     range assignment, so partition p of every input lands on one member;
//   - a task per input partition it owns: the query's processor for p and
//     a store in Pebble under <DataDir>/<ID>/<p>;
//   - the compacted changelog topic _chaintap.query.<ID>.changelog, one
//     partition per input partition, holding every store's writes;
//   - a transactional producer, _chaintap.query.<ID>.<instance ID>.
//
// Each poll is one transaction (kgo's GroupTransactSession): the records
// go through their tasks, the outputs are produced as they are emitted
// (partitioned by murmur2 of their key, as Kafka's default partitioner
// does), each store's writes of the batch go to its changelog partition,
// and the input offsets commit with them. A store's reads see the open
// transaction's writes (an overlay over Pebble); Pebble is written only
// once Kafka committed, with the changelog offset it then covers. An
// aborted transaction (a rebalance) drops the overlays and the consumer
// rewinds to the committed offsets.
//
// A task restores its store from the changelog before its first record:
// from the offset Pebble covers to the end, so a fresh instance (empty
// data directory) rebuilds all of it and a restarted one replays only what
// it missed. The changelog is the truth; the data directory is a cache.
//
// Stopping (ctx done, or Close) finishes and commits the batch under way,
// closes the stores and leaves the groups, within Config.ShutdownTimeout.
// A crash leaves the instance in its groups until the session timeout,
// unless it restarts with the same instance ID first, which takes its
// partitions back at once and aborts the transaction it left open.
package engine
