package chaintap

// Record kinds of the Bitcoin family share the EVM's "type" values
// (KindBlock, KindTx): a consumer tells families apart by the chain.

// BitcoinBlock is one block of a Bitcoin-family chain (Bitcoin, Dogecoin,
// Litecoin, … — any node speaking Bitcoin Core's JSON-RPC) with its
// transactions. Field names follow bitcoin-etl's (docs/records.md);
// amounts are satoshis as exact integers. Hashes are the node's
// lower-case hex, without 0x. Sizes a node does not report (Dogecoin
// reports no stripped size or weight) are null.
type BitcoinBlock struct {
	Type             string  `json:"type"`
	Chain            string  `json:"chain"`
	Hash             string  `json:"hash"`
	ParentHash       string  `json:"parent_hash"`
	Size             uint64  `json:"size"`
	StrippedSize     *uint64 `json:"stripped_size"`
	Weight           *uint64 `json:"weight"`
	Number           uint64  `json:"number"`
	Version          int64   `json:"version"`
	MerkleRoot       string  `json:"merkle_root"`
	Timestamp        uint64  `json:"timestamp"`
	Nonce            string  `json:"nonce"` // hex, as bitcoin-etl
	Bits             string  `json:"bits"`
	CoinbaseParam    string  `json:"coinbase_param"`
	TransactionCount uint64  `json:"transaction_count"`

	Transactions []BitcoinTx `json:"-"` // published as records of their own
}

// Header implements Block.
func (b *BitcoinBlock) Header() Header {
	return Header{Number: b.Number, Hash: b.Hash, ParentHash: b.ParentHash}
}

// Records implements Block: the block, then its transactions in block
// order. A transaction is keyed by its txid, stable across reorgs.
func (b *BitcoinBlock) Records() []Record {
	rs := make([]Record, 0, 1+len(b.Transactions))
	rs = append(rs, Record{Entity: EntityBlocks, Key: BlockHeadKey(b.Number), Value: b})
	for i := range b.Transactions {
		rs = append(rs, Record{Entity: EntityTransactions, Key: TxKey(b.Transactions[i].Hash), Value: &b.Transactions[i]})
	}
	return rs
}

// BitcoinTx is a transaction with its inputs resolved: each input carries
// the address(es), type and value of the output it spends, so input_value
// and fee are exact.
type BitcoinTx struct {
	Type           string          `json:"type"`
	Chain          string          `json:"chain"`
	Hash           string          `json:"hash"` // the txid
	Size           *uint64         `json:"size"`
	VirtualSize    *uint64         `json:"virtual_size"`
	Weight         *uint64         `json:"weight"`
	Version        int64           `json:"version"`
	LockTime       uint64          `json:"lock_time"`
	BlockNumber    uint64          `json:"block_number"`
	BlockHash      string          `json:"block_hash"`
	BlockTimestamp uint64          `json:"block_timestamp"`
	IsCoinbase     bool            `json:"is_coinbase"`
	Index          uint64          `json:"index"`
	Inputs         []BitcoinInput  `json:"inputs"`
	Outputs        []BitcoinOutput `json:"outputs"`
	InputCount     uint64          `json:"input_count"`
	OutputCount    uint64          `json:"output_count"`
	InputValue     uint64          `json:"input_value"`
	OutputValue    uint64          `json:"output_value"`
	// Fee is input_value - output_value; 0 for a coinbase.
	Fee int64 `json:"fee"`
}

// BitcoinInput is an input and what it spends. A coinbase's input spends
// nothing and is not listed (its script is the block's coinbase_param).
type BitcoinInput struct {
	Index                uint64   `json:"index"`
	SpentTransactionHash string   `json:"spent_transaction_hash"`
	SpentOutputIndex     uint64   `json:"spent_output_index"`
	ScriptAsm            string   `json:"script_asm"`
	ScriptHex            string   `json:"script_hex"`
	Sequence             uint64   `json:"sequence"`
	RequiredSignatures   *uint64  `json:"required_signatures"`
	ScriptType           *string  `json:"type"`
	Addresses            []string `json:"addresses"`
	Value                uint64   `json:"value"`
	// Witness is the input's segwit witness stack, hex (empty without).
	Witness []string `json:"witness"`
}

// BitcoinOutput is an output: its script, the script's type and
// addresses as the node decodes them, and its value.
type BitcoinOutput struct {
	Index              uint64   `json:"index"`
	ScriptAsm          string   `json:"script_asm"`
	ScriptHex          string   `json:"script_hex"`
	RequiredSignatures *uint64  `json:"required_signatures"`
	ScriptType         string   `json:"type"`
	Addresses          []string `json:"addresses"`
	Value              uint64   `json:"value"`
}
