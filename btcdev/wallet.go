package btcdev

import (
	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/txscript/v2"
)

// Wallet is one key with its two kinds of address: pay-to-pubkey-hash
// (legacy) and pay-to-witness-pubkey-hash (segwit, where a transaction's
// virtual size and weight differ from its size).
type Wallet struct {
	key           *btcec.PrivateKey
	p2pkh, p2wpkh address.Address
	p2pkhScript   []byte
	p2wpkhScript  []byte
}

// NewWallet makes a wallet with a fresh key.
func NewWallet() (*Wallet, error) {
	key, err := btcec.NewPrivateKey()
	if err != nil {
		return nil, err
	}
	hash := address.Hash160(key.PubKey().SerializeCompressed())
	w := &Wallet{key: key}
	if w.p2pkh, err = address.NewAddressPubKeyHash(hash, &chaincfg.RegressionNetParams); err != nil {
		return nil, err
	}
	if w.p2wpkh, err = address.NewAddressWitnessPubKeyHash(hash, &chaincfg.RegressionNetParams); err != nil {
		return nil, err
	}
	if w.p2pkhScript, err = txscript.PayToAddrScript(w.p2pkh); err != nil {
		return nil, err
	}
	if w.p2wpkhScript, err = txscript.PayToAddrScript(w.p2wpkh); err != nil {
		return nil, err
	}
	return w, nil
}

// Address is the wallet's legacy address (what btcd mines to).
func (w *Wallet) Address() string { return w.p2pkh.EncodeAddress() }

// SegwitAddress is the wallet's segwit address.
func (w *Wallet) SegwitAddress() string { return w.p2wpkh.EncodeAddress() }
