// Package gateway is chaintap's transaction gateway: it takes requests to
// write to a chain (contract calls by ABI method name, value transfers,
// deployments) from Kafka and REST, signs them with configured keys and
// sends them, and publishes their outcomes to Kafka.
//
// The promises it keeps, and how:
//
//   - A sender's nonces never collide: the gateway assigns each request its
//     nonce when it accepts it, and persists the request with its nonce in a
//     compacted Kafka topic (_chaintap.gateway.<chain>.requests) in a Kafka
//     transaction, before anything is signed. One writer assigns nonces, so
//     concurrent requests get contiguous, distinct ones; a restart continues
//     from the persisted state.
//   - A request never runs twice: its id derives from its idempotency key,
//     a request whose id is known is answered with the known state, and a
//     request owns exactly one nonce for its whole life, so at most one of
//     its transactions can ever be mined. The signed bytes and their hash are
//     persisted before they are sent, so after a crash the gateway asks the
//     node about that hash and sends the same bytes again, never new ones.
//   - Outcomes reach <chain>.tx.receipts in the same Kafka transaction as
//     the state change that produced them.
package gateway
