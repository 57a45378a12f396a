package btcdev

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"math"
	"math/rand/v2"
	"time"

	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// utxo is an output a wallet of the traffic can spend.
type utxo struct {
	op     wire.OutPoint
	value  int64
	owner  *Wallet
	segwit bool
}

// Traffic mines blocks with spends between wallets: mature coinbases
// (to the miner) and earlier outputs, legacy and segwit, some spent in
// the block that creates them. It is not safe for concurrent use.
type Traffic struct {
	n       *Node
	rng     *rand.Rand
	wallets []*Wallet
	pool    []utxo
	matured uint64 // coinbases up to this height are in the pool
	Sent    int    // transactions the node accepted
}

// coinbaseMaturity is how many blocks a coinbase waits to be spent.
const coinbaseMaturity = 100

// NewTraffic mines enough blocks for the first coinbases to mature and
// returns a traffic of wallets whose choices are seeded from seed.
func NewTraffic(ctx context.Context, n *Node, seed uint64) (*Traffic, error) {
	tr := &Traffic{n: n, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b9))}
	tr.wallets = append(tr.wallets, n.Miner)
	for range 4 {
		w, err := NewWallet()
		if err != nil {
			return nil, err
		}
		tr.wallets = append(tr.wallets, w)
	}
	h, err := n.Height(ctx)
	if err != nil {
		return nil, err
	}
	if h < coinbaseMaturity+1 {
		if _, err := n.Generate(ctx, int(coinbaseMaturity+1-h)); err != nil {
			return nil, err
		}
	}
	return tr, nil
}

// Block sends up to txs transactions and mines one block with them; it
// returns the block's hash.
func (tr *Traffic) Block(ctx context.Context, txs int) (string, error) {
	if err := tr.collectCoinbases(ctx); err != nil {
		return "", err
	}
	for i := 0; i < txs && len(tr.pool) > 0; i++ {
		if err := tr.spend(ctx); err != nil {
			return "", err
		}
	}
	hashes, err := tr.n.Generate(ctx, 1)
	if err != nil {
		return "", err
	}
	return hashes[0], nil
}

// Reset forgets the outputs it knew (after a reorg they may be gone); it
// collects the mature coinbases again, and those already spent are
// refused by the node and dropped.
func (tr *Traffic) Reset() { tr.pool, tr.matured = nil, 0 }

// Run mines a block with up to txs spends every interval until ctx is done.
func (tr *Traffic) Run(ctx context.Context, interval time.Duration, txs int) error {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
		if _, err := tr.Block(ctx, 1+tr.rng.IntN(txs)); err != nil {
			return err
		}
	}
}

// collectCoinbases adds the coinbases that mature with the next block.
func (tr *Traffic) collectCoinbases(ctx context.Context) error {
	height, err := tr.n.Height(ctx)
	if err != nil {
		return err
	}
	next := height + 1
	for ; tr.matured+coinbaseMaturity < next && tr.matured+1 < next; tr.matured++ {
		hash, err := tr.n.HashAt(ctx, tr.matured+1)
		if err != nil {
			return err
		}
		var blk struct {
			RawTx []struct {
				Txid string `json:"txid"`
				Vout []struct {
					Value float64 `json:"value"` // whole coins here: exact enough
				} `json:"vout"`
			} `json:"rawtx"`
		}
		if err := tr.n.callInto(ctx, &blk, "getblock", hash, 2); err != nil {
			return err
		}
		cb := blk.RawTx[0]
		id, err := chainhash.NewHashFromStr(cb.Txid)
		if err != nil {
			return err
		}
		tr.pool = append(tr.pool, utxo{op: wire.OutPoint{Hash: *id, Index: 0}, value: int64(math.Round(cb.Vout[0].Value * 1e8)), owner: tr.n.Miner})
	}
	return nil
}

// Fee is what every transaction of the traffic pays, in satoshis: well
// above btcd's minimum relay fee for these sizes.
const Fee = 2000

// spend sends one transaction spending a random output of the pool to a
// random wallet, with change back to the spender; both new outputs join
// the pool at once (so later transactions of the block may spend them).
func (tr *Traffic) spend(ctx context.Context) error {
	i := tr.rng.IntN(len(tr.pool))
	u := tr.pool[i]
	tr.pool = append(tr.pool[:i], tr.pool[i+1:]...)
	if u.value < 4*Fee {
		return nil
	}
	to := tr.wallets[tr.rng.IntN(len(tr.wallets))]
	toSegwit := tr.rng.IntN(2) == 0
	pay := u.value / 2
	change := u.value - pay - Fee
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&u.op, nil, nil))
	tx.AddTxOut(wire.NewTxOut(pay, to.script(toSegwit)))
	tx.AddTxOut(wire.NewTxOut(change, u.owner.script(u.segwit)))
	if err := u.sign(tx); err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := tx.Serialize(&buf); err != nil {
		return err
	}
	if _, err := tr.n.Call(ctx, "sendrawtransaction", hex.EncodeToString(buf.Bytes())); err != nil {
		var refused *RPCError
		if errors.As(err, &refused) {
			return nil // spent already (after a reorg or a restart): the output is dropped
		}
		return err
	}
	tr.Sent++
	id := tx.TxHash()
	tr.pool = append(tr.pool,
		utxo{op: wire.OutPoint{Hash: id, Index: 0}, value: pay, owner: to, segwit: toSegwit},
		utxo{op: wire.OutPoint{Hash: id, Index: 1}, value: change, owner: u.owner, segwit: u.segwit})
	return nil
}

func (w *Wallet) script(segwit bool) []byte {
	if segwit {
		return w.p2wpkhScript
	}
	return w.p2pkhScript
}

// sign signs tx's only input, which spends u.
func (u utxo) sign(tx *wire.MsgTx) error {
	pkScript := u.owner.script(u.segwit)
	if !u.segwit {
		sig, err := txscript.SignatureScript(tx, 0, pkScript, txscript.SigHashAll, u.owner.key, true)
		tx.TxIn[0].SignatureScript = sig
		return err
	}
	hashes := txscript.NewTxSigHashes(tx, txscript.NewCannedPrevOutputFetcher(pkScript, u.value))
	wit, err := txscript.WitnessSignature(tx, hashes, 0, u.value, pkScript, txscript.SigHashAll, u.owner.key, true)
	tx.TxIn[0].Witness = wit
	return err
}
