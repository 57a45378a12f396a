package btcdtest

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"

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
// the block that creates them.
type Traffic struct {
	n       *Node
	t       testing.TB
	rng     *rand.Rand
	wallets []*Wallet
	pool    []utxo
	matured uint64 // coinbases up to this height are in the pool
	Sent    int    // transactions the node accepted
}

// coinbaseMaturity is how many blocks a coinbase waits to be spent.
const coinbaseMaturity = 100

// NewTraffic mines enough blocks for the first coinbases to mature and
// returns a traffic of wallets seeded from seed.
func NewTraffic(t testing.TB, n *Node, seed uint64) *Traffic {
	t.Helper()
	tr := &Traffic{n: n, t: t, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b9))}
	tr.wallets = append(tr.wallets, n.Miner)
	for range 4 {
		tr.wallets = append(tr.wallets, NewWallet(t))
	}
	if h := n.Height(); h < coinbaseMaturity+1 {
		n.Generate(int(coinbaseMaturity + 1 - h))
	}
	return tr
}

// Block sends up to txs transactions and mines one block with them; it
// returns the block's hash.
func (tr *Traffic) Block(txs int) string {
	tr.t.Helper()
	tr.collectCoinbases()
	for i := 0; i < txs && len(tr.pool) > 0; i++ {
		tr.spend()
	}
	return tr.n.Generate(1)[0]
}

// Reset forgets the outputs it knew (after a reorg they may be gone);
// it collects the mature coinbases again, those already spent are
// refused by the node and dropped.
func (tr *Traffic) Reset() { tr.pool, tr.matured = nil, 0 }

// collectCoinbases adds the coinbases that mature with the next block.
func (tr *Traffic) collectCoinbases() {
	next := tr.n.Height() + 1
	for ; tr.matured+coinbaseMaturity < next && tr.matured+1 < next; tr.matured++ {
		h := tr.matured + 1
		var blk struct {
			RawTx []struct {
				Txid string `json:"txid"`
				Vout []struct {
					Value float64 `json:"value"`
				} `json:"vout"`
			} `json:"rawtx"`
		}
		if err := json.Unmarshal(tr.n.MustCall("getblock", tr.n.HashAt(h), 2), &blk); err != nil {
			tr.t.Fatal(err)
		}
		cb := blk.RawTx[0]
		id, err := chainhash.NewHashFromStr(cb.Txid)
		if err != nil {
			tr.t.Fatal(err)
		}
		tr.pool = append(tr.pool, utxo{op: wire.OutPoint{Hash: *id, Index: 0}, value: int64(math.Round(cb.Vout[0].Value * 1e8)), owner: tr.n.Miner})
	}
}

const fee = 2000 // satoshis, well above btcd's minimum relay fee here

// spend sends one transaction spending a random output of the pool to a
// random wallet, with change back to the spender; both new outputs join
// the pool at once (so later transactions of the block may spend them).
func (tr *Traffic) spend() {
	i := tr.rng.IntN(len(tr.pool))
	u := tr.pool[i]
	tr.pool = append(tr.pool[:i], tr.pool[i+1:]...)
	if u.value < 4*fee {
		return
	}
	to := tr.wallets[tr.rng.IntN(len(tr.wallets))]
	toSegwit := tr.rng.IntN(2) == 0
	pay := u.value / 2
	change := u.value - pay - fee
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(&u.op, nil, nil))
	tx.AddTxOut(wire.NewTxOut(pay, to.script(toSegwit)))
	tx.AddTxOut(wire.NewTxOut(change, u.owner.script(u.segwit)))
	if err := u.sign(tx); err != nil {
		tr.t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tx.Serialize(&buf); err != nil {
		tr.t.Fatal(err)
	}
	if _, err := tr.n.Call("sendrawtransaction", hex.EncodeToString(buf.Bytes())); err != nil {
		return // spent already (after a reorg): the output is dropped
	}
	tr.Sent++
	id := tx.TxHash()
	tr.pool = append(tr.pool,
		utxo{op: wire.OutPoint{Hash: id, Index: 0}, value: pay, owner: to, segwit: toSegwit},
		utxo{op: wire.OutPoint{Hash: id, Index: 1}, value: change, owner: u.owner, segwit: u.segwit})
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
