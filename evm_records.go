package chaintap

// EVMBlock is one block of an EVM chain with its transactions (receipt
// fields joined in) and logs. The JSON field names follow ethereum-etl's (docs/records.md); wei
// amounts and other values that can exceed 2^53 are decimal strings so no
// JSON reader loses precision. Hashes and addresses are lower-case 0x-hex.
type EVMBlock struct {
	Type             string       `json:"type"`
	Chain            string       `json:"chain"`
	Number           uint64       `json:"number"`
	Hash             string       `json:"hash"`
	ParentHash       string       `json:"parent_hash"`
	Nonce            string       `json:"nonce"`
	Sha3Uncles       string       `json:"sha3_uncles"`
	LogsBloom        string       `json:"logs_bloom"`
	TransactionsRoot string       `json:"transactions_root"`
	StateRoot        string       `json:"state_root"`
	ReceiptsRoot     string       `json:"receipts_root"`
	Miner            string       `json:"miner"`
	Difficulty       string       `json:"difficulty"`
	TotalDifficulty  *string      `json:"total_difficulty"`
	Size             uint64       `json:"size"`
	ExtraData        string       `json:"extra_data"`
	GasLimit         uint64       `json:"gas_limit"`
	GasUsed          uint64       `json:"gas_used"`
	Timestamp        uint64       `json:"timestamp"`
	TransactionCount uint64       `json:"transaction_count"`
	BaseFeePerGas    *string      `json:"base_fee_per_gas"`
	WithdrawalsRoot  *string      `json:"withdrawals_root"`
	Withdrawals      []Withdrawal `json:"withdrawals"` // [] before Shanghai, as ethereum-etl

	BlobGasUsed   *uint64 `json:"blob_gas_used,omitempty"`
	ExcessBlobGas *uint64 `json:"excess_blob_gas,omitempty"`

	// Transactions, Logs and what enrichers derive from them travel with
	// the block through the pipeline but are published as records of their
	// own.
	Transactions []Tx            `json:"-"`
	Logs         []Log           `json:"-"`
	Events       []Event         `json:"-"`
	Transfers    []TokenTransfer `json:"-"`
}

// Header implements Block.
func (b *EVMBlock) Header() Header {
	return Header{Number: b.Number, Hash: b.Hash, ParentHash: b.ParentHash}
}

// Records implements Block: the block, its transactions, its logs, its
// token transfers, its decoded events.
func (b *EVMBlock) Records() []Record {
	rs := make([]Record, 0, 1+len(b.Transactions)+len(b.Logs)+len(b.Transfers)+len(b.Events))
	rs = append(rs, Record{Entity: EntityBlocks, Key: BlockHeadKey(b.Number), Value: b})
	for i := range b.Transactions {
		rs = append(rs, Record{Entity: EntityTransactions, Key: TxKey(b.Transactions[i].Hash), Value: &b.Transactions[i]})
	}
	for i := range b.Logs {
		l := &b.Logs[i]
		rs = append(rs, Record{Entity: EntityLogs, Key: LogKey(l.TransactionHash, l.TxLogPosition), Value: l})
	}
	for i := range b.Transfers {
		tr := &b.Transfers[i]
		rs = append(rs, Record{Entity: EntityTokenTransfers, Key: TransferKey(tr.TransactionHash, tr.TxLogPosition, tr.BatchIndex), Value: tr})
	}
	for i := range b.Events {
		e := &b.Events[i]
		rs = append(rs, Record{Entity: EntityEvents, Key: LogKey(e.TransactionHash, e.TxLogPosition), Value: e})
	}
	return rs
}

// Withdrawal is a beacon-chain withdrawal included in a block (amount in Gwei).
type Withdrawal struct {
	Index          uint64 `json:"index"`
	ValidatorIndex uint64 `json:"validator_index"`
	Address        string `json:"address"`
	Amount         uint64 `json:"amount"`
}

// Tx is a transaction with the fields of its receipt joined in.
type Tx struct {
	Type                     string   `json:"type"`
	Chain                    string   `json:"chain"`
	Hash                     string   `json:"hash"`
	Nonce                    uint64   `json:"nonce"`
	TransactionIndex         uint64   `json:"transaction_index"`
	FromAddress              string   `json:"from_address"`
	ToAddress                *string  `json:"to_address"`
	Value                    string   `json:"value"`
	Gas                      uint64   `json:"gas"`
	GasPrice                 *string  `json:"gas_price"`
	Input                    string   `json:"input"`
	BlockTimestamp           uint64   `json:"block_timestamp"`
	BlockNumber              uint64   `json:"block_number"`
	BlockHash                string   `json:"block_hash"`
	MaxFeePerGas             *string  `json:"max_fee_per_gas"`
	MaxPriorityFeePerGas     *string  `json:"max_priority_fee_per_gas"`
	TransactionType          uint64   `json:"transaction_type"`
	ReceiptCumulativeGasUsed uint64   `json:"receipt_cumulative_gas_used"`
	ReceiptGasUsed           uint64   `json:"receipt_gas_used"`
	ReceiptContractAddress   *string  `json:"receipt_contract_address"`
	ReceiptRoot              *string  `json:"receipt_root"`
	ReceiptStatus            *uint64  `json:"receipt_status"`
	ReceiptEffectiveGasPrice *string  `json:"receipt_effective_gas_price"`
	MaxFeePerBlobGas         *string  `json:"max_fee_per_blob_gas,omitempty"`
	BlobVersionedHashes      []string `json:"blob_versioned_hashes,omitempty"`
	ReceiptBlobGasUsed       *uint64  `json:"receipt_blob_gas_used,omitempty"`
	ReceiptBlobGasPrice      *string  `json:"receipt_blob_gas_price,omitempty"`
}

// Log is one event log emitted by a transaction.
type Log struct {
	Type             string   `json:"type"`
	Chain            string   `json:"chain"`
	LogIndex         uint64   `json:"log_index"`
	TransactionHash  string   `json:"transaction_hash"`
	TransactionIndex uint64   `json:"transaction_index"`
	Address          string   `json:"address"`
	Data             string   `json:"data"`
	Topics           []string `json:"topics"`
	BlockNumber      uint64   `json:"block_number"`
	BlockTimestamp   uint64   `json:"block_timestamp"`
	BlockHash        string   `json:"block_hash"`
	// TxLogPosition is the log's position among its transaction's logs. It
	// is part of the log's key because, unlike log_index, it does not change
	// when a reorg moves the transaction into another block.
	TxLogPosition uint64 `json:"tx_log_position"`
}
