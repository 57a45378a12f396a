// Package pgsink upserts a Kafka topic into a PostgreSQL table,
// exactly-once.
//
// The topic is any stream or table chaintap's SQL engine (or a pgsource)
// writes: JSON values, keys as sql.EncodeKey writes them, tombstones (a
// null value, or op=retract) for deletes. Each batch of records is applied
// in one PostgreSQL transaction together with the next offsets to consume
// (table chaintap_sink_offsets); on start the sink consumes from those
// offsets, read_committed, never from Kafka group offsets. A crash at any
// point therefore replays exactly what the table does not hold yet.
//
// A batch DELETEs the keys the table may hold, then COPYs the upserted
// rows in (binary, from the JSON, for a table of the types the sink
// creates); within a batch the last record per key wins. Batches
// grow while PostgreSQL is busy with the last one. See docs/postgres.md.
package pgsink
