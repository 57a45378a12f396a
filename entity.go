package chaintap

// Entities: what a chain's topics carry, one topic per entity and view
// (<chain>.<entity> and <chain>.<entity>.confirmed).
const (
	EntityBlocks         = "blocks"
	EntityTransactions   = "transactions"
	EntityLogs           = "logs"
	EntityTokenTransfers = "token_transfers"
	EntityEvents         = "events"
)

// Entities returns every entity in publishing order: a block, then its
// transactions, logs, token transfers and decoded events. Retractions go
// in the reverse order. A family publishes a subset (Family.Entities),
// always in this order.
func Entities() []string {
	return []string{EntityBlocks, EntityTransactions, EntityLogs, EntityTokenTransfers, EntityEvents}
}

// Family is a chain family: the chains one adapter reads. The follower
// does not know families; only the topics a chain has depend on it.
type Family string

const (
	FamilyEVM     Family = "evm"
	FamilyBitcoin Family = "bitcoin"
)

// Entities returns the entities the family's blocks have records of, in
// publishing order. An unknown family (or "") is EVM, the first family.
func (f Family) Entities() []string {
	if f == FamilyBitcoin {
		return []string{EntityBlocks, EntityTransactions}
	}
	return Entities()
}
