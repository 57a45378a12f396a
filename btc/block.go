package btc

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/chaintap/chaintap"
)

// fetch returns the block with hash, its inputs resolved. number, when
// set, is the height it must be at.
func (s *Source) fetch(ctx context.Context, hash string, number *uint64) (*chaintap.BitcoinBlock, error) {
	w, txs, err := s.getBlock(ctx, hash)
	if err != nil {
		return nil, err
	}
	h, err := w.header()
	if err != nil {
		return nil, err
	}
	want := h.Number
	if number != nil {
		want = *number
	}
	if err := checkIdentity(h, want, hash); err != nil {
		return nil, err
	}
	if err := checkTxs(h, w, txs); err != nil {
		return nil, err
	}
	spends, err := s.resolve(ctx, txs)
	if err != nil {
		return nil, fmt.Errorf("block %d %s: %w", h.Number, h.Hash, err)
	}
	s.outputs.remember(txs)
	return toBlock(s.chain, h, w, txs, spends), nil
}

// getBlock asks for a block with its transactions: getblock verbosity 2
// where the node has it, else verbosity 1 (the txids) and the
// transactions by getrawtransaction, in batches.
func (s *Source) getBlock(ctx context.Context, hash string) (*wireBlock, []wireTx, error) {
	if s.verbosity2.Load() >= 0 {
		w, txs, ok, err := s.getBlockVerbose(ctx, hash, 2)
		if err != nil || ok {
			if ok {
				s.verbosity2.Store(1)
			}
			return w, txs, err
		}
	}
	w, _, _, err := s.getBlockVerbose(ctx, hash, true)
	if err != nil {
		return nil, nil, err
	}
	// Remembered only once verbosity 1 answered: a refusal of 2 from a
	// node that then fails at 1 too says nothing about verbosity 2.
	if s.verbosity2.Swap(-1) >= 0 {
		s.log.Info("node lacks getblock verbosity 2; fetching transactions with getrawtransaction", "chain", s.chain)
	}
	ids, err := w.txids()
	if err != nil {
		return nil, nil, err
	}
	byID, err := s.rawTxs(ctx, ids)
	if err != nil {
		return nil, nil, fmt.Errorf("transactions of block %s: %w", hash, err)
	}
	txs := make([]wireTx, len(ids))
	for i, id := range ids {
		txs[i] = *byID[id]
	}
	return w, txs, nil
}

// getBlockVerbose is getblock(hash, verbosity). ok is false when the node
// answered without transactions (verbosity 2 unknown to it: txids only,
// or a refusal of the argument), so that the caller falls back.
func (s *Source) getBlockVerbose(ctx context.Context, hash string, verbosity any) (*wireBlock, []wireTx, bool, error) {
	raw, err := s.callOnce(ctx, "getblock", hash, verbosity)
	if err != nil {
		err = notFound(err)
		var rpcErr *RPCError
		if verbosity == 2 && !errors.Is(err, chaintap.ErrNotFound) && errors.As(err, &rpcErr) && rpcErr.Code != rpcInWarmup {
			return nil, nil, false, nil // an older node refusing verbosity 2
		}
		return nil, nil, false, err
	}
	if isNull(raw) {
		return nil, nil, false, fmt.Errorf("block %s: %w", hash, chaintap.ErrNotFound)
	}
	var w wireBlock
	if err := decode(raw, &w, "block "+hash); err != nil {
		return nil, nil, false, err
	}
	txs, ok, err := w.txs()
	return &w, txs, ok, err
}

// checkTxs refuses a block whose transactions do not add up.
func checkTxs(h chaintap.Header, w *wireBlock, txs []wireTx) error {
	if w.NTx != nil && *w.NTx != uint64(len(txs)) {
		return fmt.Errorf("block %d %s says nTx %d but has %d transactions: %w", h.Number, h.Hash, *w.NTx, len(txs), chaintap.ErrInconsistent)
	}
	if len(txs) == 0 {
		return fmt.Errorf("block %d %s has no transactions, not even a coinbase: %w", h.Number, h.Hash, chaintap.ErrMalformed)
	}
	for i := range txs {
		tx := &txs[i]
		if err := checkHash("txid", tx.Txid); err != nil {
			return fmt.Errorf("block %d transaction %d: %w", h.Number, i, err)
		}
		if err := checkOutputs(tx); err != nil {
			return fmt.Errorf("block %d: %w", h.Number, err)
		}
		for j, in := range tx.Vin {
			if in.Coinbase == "" {
				if err := checkHash("spent txid", in.Txid); err != nil {
					return fmt.Errorf("block %d transaction %s input %d: %w", h.Number, tx.Txid, j, err)
				}
			}
		}
	}
	return nil
}

// toBlock builds the domain's records. spends must hold every
// non-coinbase input's outpoint.
func toBlock(chain string, h chaintap.Header, w *wireBlock, txs []wireTx, spends map[outpoint]spent) *chaintap.BitcoinBlock {
	b := &chaintap.BitcoinBlock{
		Type: chaintap.KindBlock, Chain: chain, Hash: h.Hash, ParentHash: h.ParentHash, Number: h.Number,
		Size: w.Size, StrippedSize: w.StrippedSize, Weight: w.Weight, Version: w.Version,
		MerkleRoot: w.MerkleRoot, Timestamp: w.Time, Nonce: strconv.FormatUint(w.Nonce, 16), Bits: w.Bits,
		TransactionCount: uint64(len(txs)),
	}
	if len(txs[0].Vin) > 0 {
		b.CoinbaseParam = txs[0].Vin[0].Coinbase
	}
	b.Transactions = make([]chaintap.BitcoinTx, len(txs))
	for i := range txs {
		b.Transactions[i] = toTx(b, uint64(i), &txs[i], spends)
	}
	return b
}

func toTx(b *chaintap.BitcoinBlock, index uint64, w *wireTx, spends map[outpoint]spent) chaintap.BitcoinTx {
	tx := chaintap.BitcoinTx{
		Type: chaintap.KindTx, Chain: b.Chain, Hash: w.Txid, Size: w.Size, VirtualSize: w.Vsize, Weight: w.Weight,
		Version: w.Version, LockTime: w.LockTime, BlockNumber: b.Number, BlockHash: b.Hash, BlockTimestamp: b.Timestamp,
		Index: index, Inputs: []chaintap.BitcoinInput{}, Outputs: make([]chaintap.BitcoinOutput, len(w.Vout)),
	}
	for _, in := range w.Vin {
		if in.Coinbase != "" {
			tx.IsCoinbase = true
			continue
		}
		tx.Inputs = append(tx.Inputs, toInput(uint64(len(tx.Inputs)), in, spends[outpoint{in.Txid, in.Vout}]))
		tx.InputValue += tx.Inputs[len(tx.Inputs)-1].Value
	}
	for i := range w.Vout {
		o := &w.Vout[i]
		tx.Outputs[i] = chaintap.BitcoinOutput{
			Index: o.N, ScriptAsm: o.ScriptPubKey.Asm, ScriptHex: o.ScriptPubKey.Hex,
			RequiredSignatures: o.ScriptPubKey.ReqSigs, ScriptType: o.ScriptPubKey.Type,
			Addresses: o.addresses(), Value: uint64(*o.Value),
		}
		tx.OutputValue += tx.Outputs[i].Value
	}
	tx.InputCount, tx.OutputCount = uint64(len(tx.Inputs)), uint64(len(tx.Outputs))
	if !tx.IsCoinbase {
		tx.Fee = int64(tx.InputValue) - int64(tx.OutputValue)
	}
	return tx
}

func toInput(index uint64, in wireVin, sp spent) chaintap.BitcoinInput {
	typ := sp.typ
	out := chaintap.BitcoinInput{
		Index: index, SpentTransactionHash: in.Txid, SpentOutputIndex: in.Vout, Sequence: in.Sequence,
		RequiredSignatures: sp.reqSigs, ScriptType: &typ, Addresses: sp.addresses, Value: sp.value,
		Witness: in.Witness,
	}
	if out.Witness == nil {
		out.Witness = []string{}
	}
	if in.ScriptSig != nil {
		out.ScriptAsm, out.ScriptHex = in.ScriptSig.Asm, in.ScriptSig.Hex
	}
	return out
}
