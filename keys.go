package chaintap

import "strconv"

// Record kinds, used as the "type" field of values and in topic names.
const (
	KindBlock = "block"
	KindTx    = "transaction"
	KindLog   = "log"
)

// BlockHeadKey is a block's key in the head view: its number, so that a
// retraction and its replacement share a key and a compacted head topic
// keeps the canonical block at each height.
func BlockHeadKey(number uint64) string { return strconv.FormatUint(number, 10) }

// BlockConfirmedKey is a block's key in the confirmed view: its hash.
func BlockConfirmedKey(hash string) string { return hash }

// TxKey is a transaction's key in every view: its hash.
func TxKey(hash string) string { return hash }

// LogKey is a log's key: transaction hash and the log's position within
// the transaction, both stable when a reorg re-includes the transaction.
func LogKey(txHash string, position uint64) string {
	return txHash + ":" + strconv.FormatUint(position, 10)
}
