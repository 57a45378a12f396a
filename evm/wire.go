package evm

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/chaintap/chaintap"
)

// The wire types mirror the JSON-RPC answers field by field. They are
// decoded here rather than through go-ethereum's core/types so that a chain
// with transaction types geth does not know (L2s) still decodes, and so
// that every field the node sends reaches the record unchanged.

type wireBlock struct {
	Number           *hexutil.Uint64  `json:"number"`
	Hash             *string          `json:"hash"`
	ParentHash       string           `json:"parentHash"`
	Nonce            string           `json:"nonce"`
	Sha3Uncles       string           `json:"sha3Uncles"`
	LogsBloom        string           `json:"logsBloom"`
	TransactionsRoot string           `json:"transactionsRoot"`
	StateRoot        string           `json:"stateRoot"`
	ReceiptsRoot     string           `json:"receiptsRoot"`
	Miner            string           `json:"miner"`
	Difficulty       *hexutil.Big     `json:"difficulty"`
	TotalDifficulty  *hexutil.Big     `json:"totalDifficulty"`
	Size             hexutil.Uint64   `json:"size"`
	ExtraData        string           `json:"extraData"`
	GasLimit         hexutil.Uint64   `json:"gasLimit"`
	GasUsed          hexutil.Uint64   `json:"gasUsed"`
	Timestamp        hexutil.Uint64   `json:"timestamp"`
	BaseFeePerGas    *hexutil.Big     `json:"baseFeePerGas"`
	WithdrawalsRoot  *string          `json:"withdrawalsRoot"`
	Withdrawals      []wireWithdrawal `json:"withdrawals"`
	BlobGasUsed      *hexutil.Uint64  `json:"blobGasUsed"`
	ExcessBlobGas    *hexutil.Uint64  `json:"excessBlobGas"`
	Transactions     []wireTx         `json:"transactions"`
}

type wireWithdrawal struct {
	Index          hexutil.Uint64 `json:"index"`
	ValidatorIndex hexutil.Uint64 `json:"validatorIndex"`
	Address        string         `json:"address"`
	Amount         hexutil.Uint64 `json:"amount"`
}

type wireTx struct {
	Hash                 string          `json:"hash"`
	Nonce                hexutil.Uint64  `json:"nonce"`
	TransactionIndex     hexutil.Uint64  `json:"transactionIndex"`
	From                 string          `json:"from"`
	To                   *string         `json:"to"`
	Value                *hexutil.Big    `json:"value"`
	Gas                  hexutil.Uint64  `json:"gas"`
	GasPrice             *hexutil.Big    `json:"gasPrice"`
	Input                string          `json:"input"`
	MaxFeePerGas         *hexutil.Big    `json:"maxFeePerGas"`
	MaxPriorityFeePerGas *hexutil.Big    `json:"maxPriorityFeePerGas"`
	Type                 *hexutil.Uint64 `json:"type"`
	MaxFeePerBlobGas     *hexutil.Big    `json:"maxFeePerBlobGas"`
	BlobVersionedHashes  []string        `json:"blobVersionedHashes"`
}

type wireReceipt struct {
	TransactionHash   string          `json:"transactionHash"`
	TransactionIndex  hexutil.Uint64  `json:"transactionIndex"`
	BlockHash         string          `json:"blockHash"`
	CumulativeGasUsed hexutil.Uint64  `json:"cumulativeGasUsed"`
	GasUsed           hexutil.Uint64  `json:"gasUsed"`
	ContractAddress   *string         `json:"contractAddress"`
	Root              *string         `json:"root"`
	Status            *hexutil.Uint64 `json:"status"`
	EffectiveGasPrice *hexutil.Big    `json:"effectiveGasPrice"`
	BlobGasUsed       *hexutil.Uint64 `json:"blobGasUsed"`
	BlobGasPrice      *hexutil.Big    `json:"blobGasPrice"`
	Logs              []wireLog       `json:"logs"`
}

type wireLog struct {
	LogIndex hexutil.Uint64 `json:"logIndex"`
	Address  string         `json:"address"`
	Data     string         `json:"data"`
	Topics   []string       `json:"topics"`
}

// decodeResult unmarshals a JSON-RPC result, naming what was decoded when
// the node's answer does not fit.
func decodeResult(raw json.RawMessage, v any, what string) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: %w: %v", what, chaintap.ErrMalformed, err)
	}
	return nil
}

// resultError names what a batch element's error was about; an answer
// that did not decode into the wire types is ErrMalformed, the node's own
// errors and the client's are wrapped as they are.
func resultError(err error, what string) error {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &syntaxErr) || errors.As(err, &typeErr) {
		return fmt.Errorf("%s: %w: %v", what, chaintap.ErrMalformed, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// isNull reports whether a result is absent or JSON null. It must not
// convert raw to a string: a result can be a whole block.
func isNull(raw json.RawMessage) bool {
	s := bytes.TrimSpace(raw)
	return len(s) == 0 || string(s) == "null"
}

func dec(b *hexutil.Big) string {
	if b == nil {
		return "0"
	}
	return b.ToInt().String()
}

func optDec(b *hexutil.Big) *string {
	if b == nil {
		return nil
	}
	s := b.ToInt().String()
	return &s
}

func optU64(u *hexutil.Uint64) *uint64 {
	if u == nil {
		return nil
	}
	v := uint64(*u)
	return &v
}

func lower(s string) string { return strings.ToLower(s) }

func optLower(s *string) *string {
	if s == nil {
		return nil
	}
	l := strings.ToLower(*s)
	return &l
}

// checkHash rejects what cannot be a 32-byte hash, naming the field.
func checkHash(field, h string) error {
	if len(h) != 66 || !strings.HasPrefix(h, "0x") {
		return fmt.Errorf("%s %q is not a 32-byte hex hash: %w", field, h, chaintap.ErrMalformed)
	}
	if _, err := hexutil.Decode(h); err != nil {
		return fmt.Errorf("%s %q: %w: %v", field, h, chaintap.ErrMalformed, err)
	}
	return nil
}

// header converts and validates the part of a block the tracker needs.
func (w *wireBlock) header() (chaintap.Header, error) {
	if w.Number == nil || w.Hash == nil {
		return chaintap.Header{}, fmt.Errorf("block without number or hash (a pending block?): %w", chaintap.ErrMalformed)
	}
	h := chaintap.Header{Number: uint64(*w.Number), Hash: lower(*w.Hash), ParentHash: lower(w.ParentHash)}
	if err := checkHash("block hash", h.Hash); err != nil {
		return h, err
	}
	if err := checkHash("parentHash", h.ParentHash); err != nil {
		return h, err
	}
	return h, nil
}

// toBlock joins a block and its receipts into the domain's records. The
// receipts must be the block's, in transaction order.
func (w *wireBlock) toBlock(chain string, receipts []wireReceipt) (*chaintap.EVMBlock, error) {
	h, err := w.header()
	if err != nil {
		return nil, err
	}
	if err := checkReceipts(h, w.Transactions, receipts); err != nil {
		return nil, err
	}
	b := &chaintap.EVMBlock{
		Type: chaintap.KindBlock, Chain: chain,
		Number: h.Number, Hash: h.Hash, ParentHash: h.ParentHash,
		Nonce: w.Nonce, Sha3Uncles: w.Sha3Uncles, LogsBloom: w.LogsBloom,
		TransactionsRoot: w.TransactionsRoot, StateRoot: w.StateRoot, ReceiptsRoot: w.ReceiptsRoot,
		Miner: lower(w.Miner), Difficulty: dec(w.Difficulty), TotalDifficulty: optDec(w.TotalDifficulty),
		Size: uint64(w.Size), ExtraData: w.ExtraData, GasLimit: uint64(w.GasLimit), GasUsed: uint64(w.GasUsed),
		Timestamp: uint64(w.Timestamp), TransactionCount: uint64(len(w.Transactions)),
		BaseFeePerGas: optDec(w.BaseFeePerGas), WithdrawalsRoot: w.WithdrawalsRoot,
		BlobGasUsed: optU64(w.BlobGasUsed), ExcessBlobGas: optU64(w.ExcessBlobGas),
	}
	b.Withdrawals = make([]chaintap.Withdrawal, 0, len(w.Withdrawals))
	for _, wd := range w.Withdrawals {
		b.Withdrawals = append(b.Withdrawals, chaintap.Withdrawal{
			Index: uint64(wd.Index), ValidatorIndex: uint64(wd.ValidatorIndex),
			Address: lower(wd.Address), Amount: uint64(wd.Amount),
		})
	}
	b.Transactions = make([]chaintap.Tx, len(w.Transactions))
	for i := range w.Transactions {
		b.Transactions[i] = toTx(b, &w.Transactions[i], &receipts[i])
		for pos, l := range receipts[i].Logs {
			b.Logs = append(b.Logs, toLog(b, &b.Transactions[i], l, uint64(pos)))
		}
	}
	return b, nil
}

// checkReceipts refuses receipts that are not the block's: a load-balanced
// node can answer from a replica that is on another branch.
func checkReceipts(h chaintap.Header, txs []wireTx, receipts []wireReceipt) error {
	if len(receipts) != len(txs) {
		return fmt.Errorf("block %d %s has %d transactions but %d receipts: %w", h.Number, h.Hash, len(txs), len(receipts), chaintap.ErrInconsistent)
	}
	for i := range txs {
		if err := checkHash("transaction hash", txs[i].Hash); err != nil {
			return fmt.Errorf("block %d transaction %d: %w", h.Number, i, err)
		}
		r := &receipts[i]
		if !strings.EqualFold(r.TransactionHash, txs[i].Hash) {
			return fmt.Errorf("block %d %s: receipt %d is for transaction %s, not %s: %w", h.Number, h.Hash, i, r.TransactionHash, txs[i].Hash, chaintap.ErrInconsistent)
		}
		if r.BlockHash != "" && !strings.EqualFold(r.BlockHash, h.Hash) {
			return fmt.Errorf("block %d %s: receipt of %s belongs to block %s: %w", h.Number, h.Hash, txs[i].Hash, r.BlockHash, chaintap.ErrInconsistent)
		}
	}
	return nil
}

func toTx(b *chaintap.EVMBlock, w *wireTx, r *wireReceipt) chaintap.Tx {
	typ := uint64(0)
	if w.Type != nil {
		typ = uint64(*w.Type)
	}
	effective := optDec(r.EffectiveGasPrice)
	if effective == nil { // nodes before London do not report it
		effective = optDec(w.GasPrice)
	}
	return chaintap.Tx{
		Type: chaintap.KindTx, Chain: b.Chain,
		Hash: lower(w.Hash), Nonce: uint64(w.Nonce), TransactionIndex: uint64(w.TransactionIndex),
		FromAddress: lower(w.From), ToAddress: optLower(w.To), Value: dec(w.Value),
		Gas: uint64(w.Gas), GasPrice: optDec(w.GasPrice), Input: w.Input,
		BlockTimestamp: b.Timestamp, BlockNumber: b.Number, BlockHash: b.Hash,
		MaxFeePerGas: optDec(w.MaxFeePerGas), MaxPriorityFeePerGas: optDec(w.MaxPriorityFeePerGas),
		TransactionType:          typ,
		ReceiptCumulativeGasUsed: uint64(r.CumulativeGasUsed), ReceiptGasUsed: uint64(r.GasUsed),
		ReceiptContractAddress: optLower(r.ContractAddress), ReceiptRoot: r.Root,
		ReceiptStatus: optU64(r.Status), ReceiptEffectiveGasPrice: effective,
		MaxFeePerBlobGas: optDec(w.MaxFeePerBlobGas), BlobVersionedHashes: w.BlobVersionedHashes,
		ReceiptBlobGasUsed: optU64(r.BlobGasUsed), ReceiptBlobGasPrice: optDec(r.BlobGasPrice),
	}
}

func toLog(b *chaintap.EVMBlock, tx *chaintap.Tx, w wireLog, pos uint64) chaintap.Log {
	topics := make([]string, len(w.Topics))
	for i, t := range w.Topics {
		topics[i] = lower(t)
	}
	return chaintap.Log{
		Type: chaintap.KindLog, Chain: b.Chain,
		LogIndex: uint64(w.LogIndex), TransactionHash: tx.Hash, TransactionIndex: tx.TransactionIndex,
		Address: lower(w.Address), Data: w.Data, Topics: topics,
		BlockNumber: b.Number, BlockTimestamp: b.Timestamp, BlockHash: b.Hash,
		TxLogPosition: pos,
	}
}
