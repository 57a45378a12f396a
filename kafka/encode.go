package kafka

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/chaintap/chaintap"
)

// The append functions encode the records exactly as encoding/json would
// (same field order, same escaping, same omitempty), without reflection:
// encoding is most of the cost of publishing, and these are several times
// faster. TestEncodeMatchesEncodingJSON holds them to json.Marshal's output.

func appendValue(dst []byte, v any) ([]byte, error) {
	switch r := v.(type) {
	case *chaintap.EVMBlock:
		return appendBlock(dst, r), nil
	case *chaintap.Tx:
		return appendTx(dst, r), nil
	case *chaintap.Log:
		return appendLog(dst, r), nil
	case *chaintap.TokenTransfer:
		return appendTransfer(dst, r), nil
	case *chaintap.Event:
		return appendEvent(dst, r)
	}
	b, err := json.Marshal(v)
	return append(dst, b...), err
}

func appendBlock(d []byte, b *chaintap.EVMBlock) []byte {
	d = appendStr(append(d, `{"type":`...), b.Type)
	d = appendStr(append(d, `,"chain":`...), b.Chain)
	d = appendU64(append(d, `,"number":`...), b.Number)
	d = appendStr(append(d, `,"hash":`...), b.Hash)
	d = appendStr(append(d, `,"parent_hash":`...), b.ParentHash)
	d = appendStr(append(d, `,"nonce":`...), b.Nonce)
	d = appendStr(append(d, `,"sha3_uncles":`...), b.Sha3Uncles)
	d = appendStr(append(d, `,"logs_bloom":`...), b.LogsBloom)
	d = appendStr(append(d, `,"transactions_root":`...), b.TransactionsRoot)
	d = appendStr(append(d, `,"state_root":`...), b.StateRoot)
	d = appendStr(append(d, `,"receipts_root":`...), b.ReceiptsRoot)
	d = appendStr(append(d, `,"miner":`...), b.Miner)
	d = appendStr(append(d, `,"difficulty":`...), b.Difficulty)
	d = appendOptStr(append(d, `,"total_difficulty":`...), b.TotalDifficulty)
	d = appendU64(append(d, `,"size":`...), b.Size)
	d = appendStr(append(d, `,"extra_data":`...), b.ExtraData)
	d = appendU64(append(d, `,"gas_limit":`...), b.GasLimit)
	d = appendU64(append(d, `,"gas_used":`...), b.GasUsed)
	d = appendU64(append(d, `,"timestamp":`...), b.Timestamp)
	d = appendU64(append(d, `,"transaction_count":`...), b.TransactionCount)
	d = appendOptStr(append(d, `,"base_fee_per_gas":`...), b.BaseFeePerGas)
	d = appendOptStr(append(d, `,"withdrawals_root":`...), b.WithdrawalsRoot)
	if b.Withdrawals == nil {
		d = append(d, `,"withdrawals":null`...)
	} else {
		d = append(d, `,"withdrawals":[`...)
		for i, w := range b.Withdrawals {
			if i > 0 {
				d = append(d, ',')
			}
			d = appendU64(append(d, `{"index":`...), w.Index)
			d = appendU64(append(d, `,"validator_index":`...), w.ValidatorIndex)
			d = appendStr(append(d, `,"address":`...), w.Address)
			d = append(appendU64(append(d, `,"amount":`...), w.Amount), '}')
		}
		d = append(d, ']')
	}
	if b.BlobGasUsed != nil {
		d = appendU64(append(d, `,"blob_gas_used":`...), *b.BlobGasUsed)
	}
	if b.ExcessBlobGas != nil {
		d = appendU64(append(d, `,"excess_blob_gas":`...), *b.ExcessBlobGas)
	}
	return append(d, '}')
}

func appendTx(d []byte, t *chaintap.Tx) []byte {
	d = appendStr(append(d, `{"type":`...), t.Type)
	d = appendStr(append(d, `,"chain":`...), t.Chain)
	d = appendStr(append(d, `,"hash":`...), t.Hash)
	d = appendU64(append(d, `,"nonce":`...), t.Nonce)
	d = appendU64(append(d, `,"transaction_index":`...), t.TransactionIndex)
	d = appendStr(append(d, `,"from_address":`...), t.FromAddress)
	d = appendOptStr(append(d, `,"to_address":`...), t.ToAddress)
	d = appendStr(append(d, `,"value":`...), t.Value)
	d = appendU64(append(d, `,"gas":`...), t.Gas)
	d = appendOptStr(append(d, `,"gas_price":`...), t.GasPrice)
	d = appendStr(append(d, `,"input":`...), t.Input)
	d = appendU64(append(d, `,"block_timestamp":`...), t.BlockTimestamp)
	d = appendU64(append(d, `,"block_number":`...), t.BlockNumber)
	d = appendStr(append(d, `,"block_hash":`...), t.BlockHash)
	d = appendOptStr(append(d, `,"max_fee_per_gas":`...), t.MaxFeePerGas)
	d = appendOptStr(append(d, `,"max_priority_fee_per_gas":`...), t.MaxPriorityFeePerGas)
	d = appendU64(append(d, `,"transaction_type":`...), t.TransactionType)
	d = appendU64(append(d, `,"receipt_cumulative_gas_used":`...), t.ReceiptCumulativeGasUsed)
	d = appendU64(append(d, `,"receipt_gas_used":`...), t.ReceiptGasUsed)
	d = appendOptStr(append(d, `,"receipt_contract_address":`...), t.ReceiptContractAddress)
	d = appendOptStr(append(d, `,"receipt_root":`...), t.ReceiptRoot)
	d = appendOptU64(append(d, `,"receipt_status":`...), t.ReceiptStatus)
	d = appendOptStr(append(d, `,"receipt_effective_gas_price":`...), t.ReceiptEffectiveGasPrice)
	if t.MaxFeePerBlobGas != nil {
		d = appendStr(append(d, `,"max_fee_per_blob_gas":`...), *t.MaxFeePerBlobGas)
	}
	if len(t.BlobVersionedHashes) > 0 {
		d = appendStrs(append(d, `,"blob_versioned_hashes":`...), t.BlobVersionedHashes)
	}
	if t.ReceiptBlobGasUsed != nil {
		d = appendU64(append(d, `,"receipt_blob_gas_used":`...), *t.ReceiptBlobGasUsed)
	}
	if t.ReceiptBlobGasPrice != nil {
		d = appendStr(append(d, `,"receipt_blob_gas_price":`...), *t.ReceiptBlobGasPrice)
	}
	return append(d, '}')
}

func appendLog(d []byte, l *chaintap.Log) []byte {
	d = appendStr(append(d, `{"type":`...), l.Type)
	d = appendStr(append(d, `,"chain":`...), l.Chain)
	d = appendU64(append(d, `,"log_index":`...), l.LogIndex)
	d = appendStr(append(d, `,"transaction_hash":`...), l.TransactionHash)
	d = appendU64(append(d, `,"transaction_index":`...), l.TransactionIndex)
	d = appendStr(append(d, `,"address":`...), l.Address)
	d = appendStr(append(d, `,"data":`...), l.Data)
	d = appendStrs(append(d, `,"topics":`...), l.Topics)
	d = appendU64(append(d, `,"block_number":`...), l.BlockNumber)
	d = appendU64(append(d, `,"block_timestamp":`...), l.BlockTimestamp)
	d = appendStr(append(d, `,"block_hash":`...), l.BlockHash)
	d = appendU64(append(d, `,"tx_log_position":`...), l.TxLogPosition)
	return append(d, '}')
}

func appendTransfer(d []byte, t *chaintap.TokenTransfer) []byte {
	d = appendStr(append(d, `{"type":`...), t.Type)
	d = appendStr(append(d, `,"chain":`...), t.Chain)
	d = appendStr(append(d, `,"token_address":`...), t.TokenAddress)
	d = appendStr(append(d, `,"from_address":`...), t.FromAddress)
	d = appendStr(append(d, `,"to_address":`...), t.ToAddress)
	d = appendStr(append(d, `,"value":`...), t.Value)
	d = appendOptStr(append(d, `,"token_id":`...), t.TokenID)
	d = appendStr(append(d, `,"token_standard":`...), t.TokenStandard)
	d = appendOptStr(append(d, `,"operator_address":`...), t.OperatorAddress)
	d = appendStr(append(d, `,"transaction_hash":`...), t.TransactionHash)
	d = appendU64(append(d, `,"transaction_index":`...), t.TransactionIndex)
	d = appendU64(append(d, `,"log_index":`...), t.LogIndex)
	d = appendU64(append(d, `,"tx_log_position":`...), t.TxLogPosition)
	d = appendU64(append(d, `,"batch_index":`...), t.BatchIndex)
	d = appendU64(append(d, `,"block_number":`...), t.BlockNumber)
	d = appendU64(append(d, `,"block_timestamp":`...), t.BlockTimestamp)
	d = appendStr(append(d, `,"block_hash":`...), t.BlockHash)
	return append(d, '}')
}

// appendEvent writes the event; its args are already JSON (compacted, as
// encoding/json would write them).
func appendEvent(d []byte, e *chaintap.Event) ([]byte, error) {
	d = appendStr(append(d, `{"type":`...), e.Type)
	d = appendStr(append(d, `,"chain":`...), e.Chain)
	d = appendU64(append(d, `,"block_number":`...), e.BlockNumber)
	d = appendStr(append(d, `,"block_hash":`...), e.BlockHash)
	d = appendU64(append(d, `,"block_timestamp":`...), e.BlockTimestamp)
	d = appendStr(append(d, `,"transaction_hash":`...), e.TransactionHash)
	d = appendU64(append(d, `,"transaction_index":`...), e.TransactionIndex)
	d = appendU64(append(d, `,"log_index":`...), e.LogIndex)
	d = appendU64(append(d, `,"tx_log_position":`...), e.TxLogPosition)
	d = appendStr(append(d, `,"contract_address":`...), e.ContractAddress)
	d = appendStr(append(d, `,"contract_name":`...), e.ContractName)
	d = appendStr(append(d, `,"event_name":`...), e.EventName)
	d = appendStr(append(d, `,"event_signature":`...), e.EventSignature)
	d = append(d, `,"args":`...)
	d, err := appendRaw(d, e.Args)
	if err != nil {
		return nil, fmt.Errorf("event args: %w", err)
	}
	return append(d, '}'), nil
}

// appendRaw appends raw JSON as json.Marshal would: validated, compacted,
// with '<', '>', '&', U+2028 and U+2029 escaped. Without those characters
// (0xE2 leads the last two) json.Compact writes the same bytes straight
// into d, with no reflection and no copy; otherwise json.Marshal does it.
func appendRaw(d []byte, raw json.RawMessage) ([]byte, error) {
	if raw == nil {
		return append(d, "null"...), nil
	}
	if bytes.ContainsAny(raw, "<>&") || bytes.IndexByte(raw, 0xe2) >= 0 {
		b, err := json.Marshal(raw)
		return append(d, b...), err
	}
	buf := bytes.NewBuffer(d)
	if err := json.Compact(buf, raw); err != nil {
		return d, err
	}
	return buf.Bytes(), nil
}

func appendU64(d []byte, v uint64) []byte { return strconv.AppendUint(d, v, 10) }

func appendOptU64(d []byte, v *uint64) []byte {
	if v == nil {
		return append(d, "null"...)
	}
	return appendU64(d, *v)
}

func appendOptStr(d []byte, s *string) []byte {
	if s == nil {
		return append(d, "null"...)
	}
	return appendStr(d, *s)
}

func appendStrs(d []byte, ss []string) []byte {
	if ss == nil {
		return append(d, "null"...)
	}
	d = append(d, '[')
	for i, s := range ss {
		if i > 0 {
			d = append(d, ',')
		}
		d = appendStr(d, s)
	}
	return append(d, ']')
}

// appendStr writes s as a JSON string. Hex and names (nearly all we write)
// need no escaping; anything else goes through encoding/json so the
// escaping is exactly its own (HTML-safe, invalid UTF-8 replaced).
func appendStr(d []byte, s string) []byte {
	if needsEscape(s) {
		b, _ := json.Marshal(s)
		return append(d, b...)
	}
	d = append(d, '"')
	d = append(d, s...)
	return append(d, '"')
}

// needsEscape reports whether s has a byte encoding/json would escape or
// check: control characters, '"', '\\', '<', '>', '&' and non-ASCII. It
// looks at sixteen bytes at a time (most strings are long hex: blooms,
// inputs, data) and branches once per sixteen.
func needsEscape(s string) bool {
	i := 0
	for ; i+16 <= len(s); i += 16 {
		if escapeBits(load64(s, i))|escapeBits(load64(s, i+8)) != 0 {
			return true
		}
	}
	for ; i+8 <= len(s); i += 8 {
		if escapeBits(load64(s, i)) != 0 {
			return true
		}
	}
	for ; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// load64 reads s[i:i+8] little-endian (the compiler makes it one load).
func load64(s string, i int) uint64 {
	s = s[i : i+8] // one bounds check instead of eight
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// escapeBits is non-zero if and only if a byte of x needs escaping. Each
// term is a classic SWAR test whose high bits, masked, are non-zero
// exactly when its condition holds for some byte (the bits of individual
// bytes may be off after a borrow; only the whole word is used), so their
// OR is too: a byte below 0x20, a byte with the high bit set, or a byte
// equal to one of the five characters.
func escapeBits(x uint64) uint64 {
	const lo = 0x0101010101010101
	below := (x - lo*0x20) &^ x
	return (below | x | zeroBits(x^(lo*'"')) | zeroBits(x^(lo*'\\')) | zeroBits(x^(lo*'<')) |
		zeroBits(x^(lo*'>')) | zeroBits(x^(lo*'&'))) & 0x8080808080808080
}

// zeroBits has a high bit set somewhere (masked) iff a byte of v is zero.
func zeroBits(v uint64) uint64 { return (v - 0x0101010101010101) &^ v }
