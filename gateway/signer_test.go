package gateway_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/keystore"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"

	"github.com/chaintap/chaintap/gateway"
)

// TestSignersLoadAndNeverShowTheKey: a keystore file with its passphrase
// from the environment and a raw key from the environment both load and
// sign; neither the key nor the passphrase appears in any formatting,
// log line or error.
func TestSignersLoadAndNeverShowTheKey(t *testing.T) {
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	keyHex := hex.EncodeToString(crypto.FromECDSA(key))
	const pass = "correct horse battery staple"
	blob, err := keystore.EncryptKey(&keystore.Key{Id: uuid.New(), Address: crypto.PubkeyToAddress(key.PublicKey), PrivateKey: key},
		pass, keystore.LightScryptN, keystore.LightScryptP)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(file, blob, 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"PASS": pass, "KEY": "0x" + keyHex, "WRONG": "nope"}
	getenv := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	secrets := []string{keyHex, pass}
	for _, sc := range []gateway.SignerConfig{
		{Name: "ks", Keystore: file, PassphraseEnv: "PASS"},
		{Name: "env", KeyEnv: "KEY"},
	} {
		s, err := gateway.LoadSigner(sc, getenv)
		if err != nil {
			t.Fatalf("%s: %v", sc.Name, err)
		}
		if s.Address() != crypto.PubkeyToAddress(key.PublicKey) {
			t.Fatalf("%s: address %s", sc.Name, s.Address())
		}
		tx, err := s.SignTx(context.Background(), types.NewTx(&types.DynamicFeeTx{ChainID: big.NewInt(1337), Gas: 21000}), big.NewInt(1337))
		if err != nil {
			t.Fatal(err)
		}
		if from, _ := types.Sender(types.LatestSignerForChainID(big.NewInt(1337)), tx); from != s.Address() {
			t.Fatalf("%s: signed as %s", sc.Name, from)
		}
		var logs bytes.Buffer
		slog.New(slog.NewTextHandler(&logs, nil)).Info("signer", "s", s)
		shown := fmt.Sprintf("%v %+v %#v %s", s, s, s, s) + logs.String()
		for _, secret := range secrets {
			if strings.Contains(strings.ToLower(shown), strings.ToLower(secret)) {
				t.Fatalf("%s: a secret shows: %s", sc.Name, shown)
			}
		}
	}
	for _, sc := range []gateway.SignerConfig{
		{Name: "bad-pass", Keystore: file, PassphraseEnv: "WRONG"},
		{Name: "no-env", KeyEnv: "MISSING"},
		{Name: "not-a-key", KeyEnv: "PASS"},
		{Name: "both", Keystore: file, KeyEnv: "KEY"},
	} {
		_, err := gateway.LoadSigner(sc, getenv)
		if err == nil {
			t.Fatalf("%s: loaded", sc.Name)
		}
		for _, secret := range secrets {
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("%s: the error shows a secret: %v", sc.Name, err)
			}
		}
	}
}
