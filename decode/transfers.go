package decode

import (
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/chaintap/chaintap"
)

var (
	topicTransfer       = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)")).Hex()
	topicTransferSingle = crypto.Keccak256Hash([]byte("TransferSingle(address,address,address,uint256,uint256)")).Hex()
	topicTransferBatch  = crypto.Keccak256Hash([]byte("TransferBatch(address,address,address,uint256[],uint256[])")).Hex()
)

// Transfers extracts the token transfers a log records, at any address:
// ERC-20 Transfer (three topics, the value in the data), ERC-721 Transfer
// (four topics, the token id the last; the two share a signature and are
// told apart by topic count), ERC-1155 TransferSingle and TransferBatch
// (one transfer per id). A log that matches a signature but not its shape
// (truncated data, say) yields nothing; it is not a transfer we can read.
func Transfers(l *chaintap.Log) []chaintap.TokenTransfer {
	if len(l.Topics) == 0 {
		return nil
	}
	data, err := hexutil.Decode(orEmpty(l.Data))
	if err != nil {
		return nil
	}
	base := chaintap.TokenTransfer{
		Type: chaintap.KindTokenTransfer, Chain: l.Chain, TokenAddress: strings.ToLower(l.Address),
		TransactionHash: l.TransactionHash, TransactionIndex: l.TransactionIndex,
		LogIndex: l.LogIndex, TxLogPosition: l.TxLogPosition,
		BlockNumber: l.BlockNumber, BlockTimestamp: l.BlockTimestamp, BlockHash: l.BlockHash,
	}
	t := l.Topics
	switch strings.ToLower(t[0]) {
	case topicTransfer:
		switch {
		case len(t) == 3 && len(data) == 32:
			base.TokenStandard = chaintap.ERC20
			base.FromAddress, base.ToAddress = topicAddress(t[1]), topicAddress(t[2])
			base.Value = word(data, 0)
		case len(t) == 4 && len(data) == 0:
			base.TokenStandard = chaintap.ERC721
			base.FromAddress, base.ToAddress = topicAddress(t[1]), topicAddress(t[2])
			// As ethereum-etl: value holds the token id (the amount is
			// always one token); token_id holds it too.
			id := topicUint(t[3])
			base.Value, base.TokenID = id, &id
		default:
			return nil
		}
		return []chaintap.TokenTransfer{base}
	case topicTransferSingle:
		if len(t) != 4 || len(data) != 64 {
			return nil
		}
		set1155(&base, t)
		id := word(data, 0)
		base.TokenID, base.Value = &id, word(data, 1)
		return []chaintap.TokenTransfer{base}
	case topicTransferBatch:
		if len(t) != 4 {
			return nil
		}
		ids, values, ok := twoUintArrays(data)
		if !ok {
			return nil
		}
		set1155(&base, t)
		out := make([]chaintap.TokenTransfer, len(ids))
		for i := range ids {
			out[i] = base
			out[i].TokenID, out[i].Value, out[i].BatchIndex = &ids[i], values[i], uint64(i)
		}
		return out
	}
	return nil
}

func set1155(tt *chaintap.TokenTransfer, t []string) {
	tt.TokenStandard = chaintap.ERC1155
	op := topicAddress(t[1])
	tt.OperatorAddress = &op
	tt.FromAddress, tt.ToAddress = topicAddress(t[2]), topicAddress(t[3])
}

func topicAddress(topic string) string {
	b, err := hexutil.Decode(topic)
	if err != nil || len(b) != 32 {
		return ""
	}
	return addressString(common.BytesToAddress(b[12:]))
}

func topicUint(topic string) string {
	b, err := hexutil.Decode(topic)
	if err != nil {
		return ""
	}
	return new(big.Int).SetBytes(b).String()
}

// word returns the i-th 32-byte word of data as a decimal string.
func word(data []byte, i int) string {
	return new(big.Int).SetBytes(data[32*i : 32*(i+1)]).String()
}

// twoUintArrays decodes abi.encode(uint256[], uint256[]) defensively: every
// offset and length is checked against the data, and the arrays must be
// equally long (ERC-1155 requires it).
func twoUintArrays(data []byte) (ids, values []string, ok bool) {
	arr := func(head int) ([]string, bool) {
		if len(data) < head+32 {
			return nil, false
		}
		off := new(big.Int).SetBytes(data[head : head+32])
		if !off.IsInt64() || off.Int64() < 0 || off.Int64()+32 > int64(len(data)) {
			return nil, false
		}
		o := int(off.Int64())
		n := new(big.Int).SetBytes(data[o : o+32])
		if !n.IsInt64() || n.Int64() > int64((len(data)-o-32)/32) {
			return nil, false
		}
		out := make([]string, n.Int64())
		for i := range out {
			out[i] = word(data[o+32:], i)
		}
		return out, true
	}
	ids, ok1 := arr(0)
	values, ok2 := arr(32)
	if !ok1 || !ok2 || len(ids) != len(values) {
		return nil, nil, false
	}
	return ids, values, true
}
