// Package pgsource captures changes of PostgreSQL tables into compacted
// Kafka topics by logical replication (the pgoutput plugin, a publication
// and a replication slot it creates when they are missing), exactly-once.
//
// A source first publishes a snapshot of its tables, consistent with the
// slot's start (the snapshot the slot exports when it is created), then
// every committed change: inserts and updates as upserts, deletes as
// tombstones, each keyed by the row's primary key as chaintap's SQL engine
// encodes table keys (sql.EncodeKey).
//
// Exactly-once: records are written in Kafka transactions together with
// the source's position (the LSN up to which changes are published, and
// whether the snapshot finished) in a compacted position topic. Only after
// the Kafka commit is that LSN confirmed to PostgreSQL, so the slot never
// lets go of a change Kafka does not hold. On restart the position is read
// back from Kafka and every transaction at or below it is skipped. The
// snapshot is one Kafka transaction: a crash during it leaves nothing
// visible, and the restart drops the slot, creates it again and publishes
// a new snapshot. See docs/postgres.md.
package pgsource
