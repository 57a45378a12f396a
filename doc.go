// Package chaintap holds the domain of chaintap: the records that flow off a
// chain (blocks, transactions, logs), the follower's cursor, and the small
// interfaces the adapters implement (BlockSource, Publisher).
//
// It imports no adapter and no third-party package; cmd/chaintap wires the
// adapters (evm, kafka, …) to the logic (follow) through these types.
package chaintap
