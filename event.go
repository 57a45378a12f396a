package chaintap

import (
	"encoding/json"
	"strconv"
)

// Record kinds of decoded data.
const (
	KindEvent         = "event"
	KindTokenTransfer = "token_transfer"
)

// Event is a log decoded with its contract's ABI.
type Event struct {
	Type             string `json:"type"`
	Chain            string `json:"chain"`
	BlockNumber      uint64 `json:"block_number"`
	BlockHash        string `json:"block_hash"`
	BlockTimestamp   uint64 `json:"block_timestamp"`
	TransactionHash  string `json:"transaction_hash"`
	TransactionIndex uint64 `json:"transaction_index"`
	LogIndex         uint64 `json:"log_index"`
	TxLogPosition    uint64 `json:"tx_log_position"`
	ContractAddress  string `json:"contract_address"`
	ContractName     string `json:"contract_name"`
	EventName        string `json:"event_name"`
	EventSignature   string `json:"event_signature"`
	// Args holds the event's arguments as a JSON object in ABI order:
	// integers as decimal strings, addresses in lower case, bytes as 0x-hex,
	// tuples as objects; an indexed dynamic value, of which the chain keeps
	// only the hash, is {"indexed_hash": "0x…"}.
	Args json.RawMessage `json:"args"`
}

// Token standards of TokenTransfer.
const (
	ERC20   = "ERC-20"
	ERC721  = "ERC-721"
	ERC1155 = "ERC-1155"
)

// TokenTransfer is one movement of a token: an ERC-20 or ERC-721
// Transfer, or one id of an ERC-1155 TransferSingle or TransferBatch.
type TokenTransfer struct {
	Type         string `json:"type"`
	Chain        string `json:"chain"`
	TokenAddress string `json:"token_address"`
	FromAddress  string `json:"from_address"`
	ToAddress    string `json:"to_address"`
	// Value is the amount moved, a decimal string; for ERC-721, as in
	// ethereum-etl, the token id.
	Value string `json:"value"`
	// TokenID is the ERC-721 or ERC-1155 token id (null for ERC-20).
	TokenID       *string `json:"token_id"`
	TokenStandard string  `json:"token_standard"`
	// OperatorAddress is the ERC-1155 operator (null otherwise).
	OperatorAddress  *string `json:"operator_address"`
	TransactionHash  string  `json:"transaction_hash"`
	TransactionIndex uint64  `json:"transaction_index"`
	LogIndex         uint64  `json:"log_index"`
	TxLogPosition    uint64  `json:"tx_log_position"`
	// BatchIndex is the position in an ERC-1155 TransferBatch (0 otherwise).
	BatchIndex     uint64 `json:"batch_index"`
	BlockNumber    uint64 `json:"block_number"`
	BlockTimestamp uint64 `json:"block_timestamp"`
	BlockHash      string `json:"block_hash"`
}

// TransferKey is a token transfer's key: its log's key, and for the ids of
// an ERC-1155 batch after the first, their position in the batch.
func TransferKey(txHash string, position, batchIndex uint64) string {
	k := LogKey(txHash, position)
	if batchIndex > 0 {
		k += ":" + strconv.FormatUint(batchIndex, 10)
	}
	return k
}

// Enricher derives records from a fetched block (decoded events, token
// transfers) before it is published. It must be safe for concurrent use:
// blocks are enriched in parallel as they are fetched.
type Enricher interface {
	Enrich(b *EVMBlock)
}
