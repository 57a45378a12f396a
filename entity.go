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
// in the reverse order.
func Entities() []string {
	return []string{EntityBlocks, EntityTransactions, EntityLogs, EntityTokenTransfers, EntityEvents}
}
