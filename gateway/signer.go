package gateway

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
)

// Signer signs a sender's transactions. A key in memory (KeySigner) is one;
// a remote signer (a KMS, an HSM) is another that only needs these two
// methods. Implementations must never log or return key material.
type Signer interface {
	// Address is the account the signer signs for.
	Address() common.Address
	// SignTx returns tx signed for chainID.
	SignTx(ctx context.Context, tx *types.Transaction, chainID *big.Int) (*types.Transaction, error)
}

// KeySigner signs with a private key held in memory. Its String, Format
// and LogValue show only the address, so a key never reaches a log.
type KeySigner struct {
	key  *ecdsa.PrivateKey
	addr common.Address
}

// NewKeySigner wraps key.
func NewKeySigner(key *ecdsa.PrivateKey) *KeySigner {
	return &KeySigner{key: key, addr: crypto.PubkeyToAddress(key.PublicKey)}
}

// Address implements Signer.
func (s *KeySigner) Address() common.Address { return s.addr }

// SignTx implements Signer.
func (s *KeySigner) SignTx(_ context.Context, tx *types.Transaction, chainID *big.Int) (*types.Transaction, error) {
	signed, err := types.SignTx(tx, types.LatestSignerForChainID(chainID), s.key)
	if err != nil {
		return nil, fmt.Errorf("signing for %s: %w", s.addr.Hex(), err)
	}
	return signed, nil
}

func (s *KeySigner) String() string { return "key of " + s.addr.Hex() }

// Format keeps %v, %+v and %#v from printing the key.
func (s *KeySigner) Format(f fmt.State, _ rune) { fmt.Fprint(f, s.String()) }

// LogValue keeps slog from printing the key.
func (s *KeySigner) LogValue() slog.Value { return slog.StringValue(s.String()) }

// SignerConfig says where one sender's key comes from: a go-ethereum
// keystore file whose passphrase is in the environment variable
// PassphraseEnv, or a raw hex key in the environment variable KeyEnv.
type SignerConfig struct {
	Name          string `yaml:"name"`
	Keystore      string `yaml:"keystore"`
	PassphraseEnv string `yaml:"passphrase_env"`
	KeyEnv        string `yaml:"key_env"`
}

// LoadSigner loads the key sc names. Errors name the file or variable,
// never its contents.
func LoadSigner(sc SignerConfig, getenv func(string) (string, bool)) (*KeySigner, error) {
	switch {
	case sc.Keystore != "" && sc.KeyEnv != "":
		return nil, fmt.Errorf("sender %s: give keystore or key_env, not both", sc.Name)
	case sc.KeyEnv != "":
		raw, ok := getenv(sc.KeyEnv)
		if !ok || raw == "" {
			return nil, fmt.Errorf("sender %s: environment variable %s is not set", sc.Name, sc.KeyEnv)
		}
		key, err := crypto.HexToECDSA(strings.TrimPrefix(strings.TrimSpace(raw), "0x"))
		if err != nil {
			return nil, fmt.Errorf("sender %s: %s does not hold a hex private key", sc.Name, sc.KeyEnv)
		}
		return NewKeySigner(key), nil
	case sc.Keystore != "":
		return loadKeystore(sc, getenv)
	}
	return nil, fmt.Errorf("sender %s: give keystore (with passphrase_env) or key_env", sc.Name)
}

func loadKeystore(sc SignerConfig, getenv func(string) (string, bool)) (*KeySigner, error) {
	if sc.PassphraseEnv == "" {
		return nil, fmt.Errorf("sender %s: a keystore needs passphrase_env", sc.Name)
	}
	pass, ok := getenv(sc.PassphraseEnv)
	if !ok {
		return nil, fmt.Errorf("sender %s: environment variable %s is not set", sc.Name, sc.PassphraseEnv)
	}
	blob, err := os.ReadFile(sc.Keystore)
	if err != nil {
		return nil, fmt.Errorf("sender %s: reading keystore: %w", sc.Name, err)
	}
	k, err := keystore.DecryptKey(blob, pass)
	if err != nil {
		// DecryptKey's errors say nothing secret ("could not decrypt key
		// with given password"), but name only the file to be sure.
		return nil, fmt.Errorf("sender %s: cannot decrypt keystore %s with the passphrase in %s", sc.Name, sc.Keystore, sc.PassphraseEnv)
	}
	return NewKeySigner(k.PrivateKey), nil
}
