// Package chaintap holds the domain of chaintap: the records that flow off a
// chain (blocks, transactions, logs), the follower's cursor, and the small
// interfaces the adapters implement (BlockSource, Publisher).
//
// It imports no adapter and no third-party package; cmd/chaintap wires the
// adapters (evm, btc, kafka, …) to the logic (follow) through these
// types. A block of any chain family is a Block: its Header and its
// Records; docs/families.md says how a family plugs in.
package chaintap
