// Package seal makes Kafka topics tamper-evident: a hash chain per
// partition carried in record headers, RFC 6962 Merkle tree heads over the
// chain signed as C2SP tlog-checkpoint notes (Ed25519, golang.org/x/mod's
// sumdb/note and sumdb/tlog) and written to _chaintap.seal.checkpoints,
// verification that names the first bad offset, and inclusion and
// consistency proofs a third party checks with only the record, the proof
// and the public key.
//
// The promises, and what they rest on:
//
//   - Every sealed record carries its seal number (its leaf index), the
//     SHA-256 of its content (key, value and every header but the seal's
//     own, in an unambiguous encoding) and the digest of the previous
//     sealed record of its partition. Changing, dropping, adding or moving
//     a record breaks the chain at that record, without any key.
//   - Someone who rewrites records and recomputes the chain after them can
//     do so without a key; the signed checkpoints catch that, naming the
//     first record after the last checkpoint that still matches.
//   - Records after the last checkpoint are covered by the chain alone:
//     verify reports how many there are (and fails on them with Strict).
//   - The sealer's state lives in the sealed topic itself (the chain) and
//     its input position in a header of each sealed record, written in one
//     Kafka transaction with the records and checkpoints: a restart neither
//     skips nor repeats a record.
package seal
