package btc

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/chaintap/chaintap"
)

// The wire types mirror getblock's and getrawtransaction's answers as
// Bitcoin Core (old and new), btcd and Dogecoin's node write them.

type wireBlock struct {
	Hash         string            `json:"hash"`
	Height       *uint64           `json:"height"`
	PreviousHash string            `json:"previousblockhash"`
	Size         uint64            `json:"size"`
	StrippedSize *uint64           `json:"strippedsize"`
	Weight       *uint64           `json:"weight"`
	Version      int64             `json:"version"`
	MerkleRoot   string            `json:"merkleroot"`
	Time         uint64            `json:"time"`
	Nonce        uint64            `json:"nonce"`
	Bits         string            `json:"bits"`
	NTx          *uint64           `json:"nTx"`
	Tx           []json.RawMessage `json:"tx"`    // txids (verbosity 1) or transactions (2)
	RawTx        []wireTx          `json:"rawtx"` // btcd's name for verbosity 2's transactions
}

type wireTx struct {
	Txid     string     `json:"txid"`
	Size     *uint64    `json:"size"`
	Vsize    *uint64    `json:"vsize"`
	Weight   *uint64    `json:"weight"`
	Version  int64      `json:"version"`
	LockTime uint64     `json:"locktime"`
	Vin      []wireVin  `json:"vin"`
	Vout     []wireVout `json:"vout"`
}

type wireVin struct {
	Coinbase  string `json:"coinbase"`
	Txid      string `json:"txid"`
	Vout      uint64 `json:"vout"`
	ScriptSig *struct {
		Asm string `json:"asm"`
		Hex string `json:"hex"`
	} `json:"scriptSig"`
	Witness  []string `json:"txinwitness"`
	Sequence uint64   `json:"sequence"`
}

type wireVout struct {
	Value        *amount `json:"value"`
	N            uint64  `json:"n"`
	ScriptPubKey struct {
		Asm       string   `json:"asm"`
		Hex       string   `json:"hex"`
		ReqSigs   *uint64  `json:"reqSigs"`
		Type      string   `json:"type"`
		Addresses []string `json:"addresses"`
		Address   string   `json:"address"` // Bitcoin Core 22 and later
	} `json:"scriptPubKey"`
}

// spent is what an input needs of the output it spends.
type spent struct {
	value     uint64
	reqSigs   *uint64
	typ       string
	addresses []string
}

func (o *wireVout) spent() spent {
	return spent{value: uint64(*o.Value), reqSigs: o.ScriptPubKey.ReqSigs, typ: o.ScriptPubKey.Type, addresses: o.addresses()}
}

// addresses is the output's addresses: Core before 22 and btcd list them,
// Core 22 and later name the one address there is.
func (o *wireVout) addresses() []string {
	switch {
	case len(o.ScriptPubKey.Addresses) > 0:
		return o.ScriptPubKey.Addresses
	case o.ScriptPubKey.Address != "":
		return []string{o.ScriptPubKey.Address}
	}
	return []string{}
}

func isNull(raw json.RawMessage) bool {
	s := bytes.TrimSpace(raw)
	return len(s) == 0 || string(s) == "null"
}

func decode(raw json.RawMessage, v any, what string) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return fmt.Errorf("%s: %w: %v", what, chaintap.ErrMalformed, err)
	}
	return nil
}

// checkHash rejects what cannot be a 32-byte hash, naming the field.
func checkHash(field, h string) error {
	if len(h) != 64 {
		return fmt.Errorf("%s %q is not a 32-byte hex hash: %w", field, h, chaintap.ErrMalformed)
	}
	if _, err := hex.DecodeString(h); err != nil {
		return fmt.Errorf("%s %q: %w: %v", field, h, chaintap.ErrMalformed, err)
	}
	return nil
}

// genesisParent is the parent hash written in a genesis block's header.
const genesisParent = "0000000000000000000000000000000000000000000000000000000000000000"

// header validates and returns the part of a block the tracker needs.
func (w *wireBlock) header() (chaintap.Header, error) {
	if w.Height == nil {
		return chaintap.Header{}, fmt.Errorf("block %s without a height: %w", w.Hash, chaintap.ErrMalformed)
	}
	h := chaintap.Header{Number: *w.Height, Hash: w.Hash, ParentHash: w.PreviousHash}
	if h.Number == 0 && h.ParentHash == "" {
		h.ParentHash = genesisParent
	}
	if err := checkHash("block hash", h.Hash); err != nil {
		return h, err
	}
	if err := checkHash("previousblockhash", h.ParentHash); err != nil {
		return h, fmt.Errorf("block %d: %w", h.Number, err)
	}
	return h, nil
}

// txs returns a verbosity-2 block's transactions (Core's "tx", btcd's
// "rawtx"), or ok=false when "tx" holds txids (verbosity 1).
func (w *wireBlock) txs() (txs []wireTx, ok bool, err error) {
	if len(w.RawTx) > 0 {
		return w.RawTx, true, nil
	}
	if len(w.Tx) == 0 {
		return nil, true, nil
	}
	if t := bytes.TrimSpace(w.Tx[0]); len(t) > 0 && t[0] == '"' {
		return nil, false, nil
	}
	txs = make([]wireTx, len(w.Tx))
	for i, raw := range w.Tx {
		if err := decode(raw, &txs[i], "transaction "+strconv.Itoa(i)+" of block "+w.Hash); err != nil {
			return nil, false, err
		}
	}
	return txs, true, nil
}

// txids returns a verbosity-1 block's txids.
func (w *wireBlock) txids() ([]string, error) {
	ids := make([]string, len(w.Tx))
	for i, raw := range w.Tx {
		if err := decode(raw, &ids[i], "txid "+strconv.Itoa(i)+" of block "+w.Hash); err != nil {
			return nil, err
		}
	}
	return ids, nil
}
