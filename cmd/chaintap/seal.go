package main

import (
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"fmt"
	"github.com/twmb/franz-go/pkg/kgo"
	"io"
	"log/slog"
	"math/big"
	"os"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/spf13/cobra"

	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/seal"
	"github.com/chaintap/chaintap/seal/anchor"
)

// Environment variables of the seal commands.
const (
	envSealKey    = "CHAINTAP_SEAL_KEY"    // the sealer's private key (text)
	envSealPubKey = "CHAINTAP_SEAL_PUBKEY" // trusted public keys, space-separated
)

func (e *env) sealCmd() *cobra.Command {
	var o sealOpts
	cmd := &cobra.Command{
		Use:   "seal --from RAW_TOPIC --to SEALED_TOPIC",
		Short: "Make a topic tamper-evident: hash chain, signed checkpoints, proofs",
		Long: `Copies every record of RAW_TOPIC into SEALED_TOPIC (same partition, key, value
and headers) and seals it: each record gets three headers,

  chaintap.seal.seq      its number in the partition's seal (0, 1, 2, …)
  chaintap.seal.content  SHA-256 of its key, value and other headers
  chaintap.seal.prev     the digest of the record sealed before it

and every --every records or --interval per partition a checkpoint, the
RFC 6962 Merkle tree head over the partition's records signed with your
Ed25519 key, goes to _chaintap.seal.checkpoints (C2SP tlog-checkpoint
format). Records, their input offsets and checkpoints are written in one
Kafka transaction: a restart goes on exactly where the last one stopped.

Then anyone with your public key can check the topic ("chaintap verify")
or one record ("chaintap prove", "chaintap verify --proof"), and changed,
deleted, inserted, reordered or truncated records are found by offset.

The signing key comes from --key-file or $CHAINTAP_SEAL_KEY; make one with
"chaintap seal keygen". Optionally, checkpoints are anchored on a chain
(--anchor-*) and values encrypted (--encrypt): the seal covers the
ciphertext, so verifying needs no decryption key. docs/seal.md has it all.`,
		Example: `  chaintap seal keygen --name acme-seal-2026 --out seal.key   # prints the public key
  chaintap seal --from payments --to payments.sealed --key-file seal.key
  kcat -b 127.0.0.1:9092 -P -t payments -k order-1 <<< '{"amount": 10}'
  chaintap verify payments.sealed --key 'acme-seal-2026+1a2b3c4d+AbC…'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return e.runSeal(cmd, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.from, "from", "", "the topic to seal (read committed, from its start)")
	f.StringVar(&o.to, "to", "", "the sealed topic to write (created with the same partitions)")
	f.StringVar(&o.keyFile, "key-file", "", "the signing key (default: $"+envSealKey+")")
	f.Int64Var(&o.every, "every", 1000, "checkpoint a partition after this many records")
	f.DurationVar(&o.interval, "interval", 5*time.Second, "… or this long after its first unchecked record")
	f.StringVar(&o.encrypt, "encrypt", "", "encrypt values with AES-256-GCM: NAME=KEY_FILE (see keygen --encryption)")
	f.StringSliceVar(&o.brokers, "brokers", nil, "Kafka bootstrap brokers (overrides kafka.brokers)")
	o.anchor.flags(cmd, true)
	cmd.AddCommand(e.sealKeygenCmd(), e.sealDeployAnchorCmd(), e.sealReadCmd())
	return cmd
}

type sealOpts struct {
	from, to, keyFile, encrypt string
	every                      int64
	interval                   time.Duration
	brokers                    []string
	anchor                     anchorOpts
}

func (e *env) runSeal(cmd *cobra.Command, o sealOpts) error {
	if o.from == "" || o.to == "" {
		return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--from and --to are required")}
	}
	if o.from == o.to {
		return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--from and --to must differ: the sealed topic is a new one")}
	}
	kcfg, log, err := e.sealKafka(o.brokers)
	if err != nil {
		return err
	}
	signer, err := seal.LoadSigner(o.keyFile, e.getenv, envSealKey)
	if err != nil {
		return err
	}
	pc := seal.PassConfig{Kafka: kcfg, From: o.from, To: o.to, Signer: signer, Every: o.every, Interval: o.interval, Log: log}
	if o.encrypt != "" {
		name, file, ok := strings.Cut(o.encrypt, "=")
		if !ok {
			return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--encrypt %q: want NAME=KEY_FILE", o.encrypt)}
		}
		if pc.Cipher, err = seal.LoadCipher(name, file); err != nil {
			return err
		}
	}
	if o.anchor.url != "" {
		a, closeFn, err := o.anchor.open(cmd.Context(), true)
		if err != nil {
			return err
		}
		defer closeFn()
		pc.OnCheckpoint = func(ctx context.Context, c seal.Checkpoint) error {
			rcpt, err := a.Publish(ctx, c)
			if err == nil {
				log.Info("checkpoint anchored", "topic", c.Topic, "partition", c.Partition, "size", c.Size, "block", rcpt.BlockNumber)
			}
			return err
		}
	}
	fmt.Fprintf(e.stderr, "sealing %s into %s, signed by %s+%08x; checkpoints in %s (Ctrl-C stops after a last checkpoint)\n",
		o.from, o.to, signer.Name(), signer.KeyHash(), seal.CheckpointsTopic)
	return seal.Pass(cmd.Context(), pc)
}

// sealKafka loads the configuration for the seal commands.
func (e *env) sealKafka(brokers []string) (kafka.Config, *slog.Logger, error) {
	cfg, err := e.load()
	if err != nil {
		return kafka.Config{}, nil, err
	}
	if len(brokers) > 0 {
		cfg.Kafka.Brokers = brokers
	}
	return kafkaConfig(cfg), e.logger(cfg.LogLevel), nil
}

func (e *env) sealKeygenCmd() *cobra.Command {
	var name, out string
	var encryption bool
	cmd := &cobra.Command{
		Use:   "keygen --name NAME --out FILE",
		Short: "Make a signing key (prints its public key) or, with --encryption, a value key",
		Long: `Writes a new Ed25519 signing key to FILE (mode 0600) and prints its public key,
which is what you publish and what verifiers pass to --key. The key's name
and a 4-byte hash of it appear in every checkpoint's signature line: that is
its key id. To rotate, make a new key, restart the sealer with it, and give
verifiers both public keys (old checkpoints stay signed by the old one).

With --encryption it writes a random 256-bit AES key (hex) for
"chaintap seal --encrypt NAME=FILE" instead.`,
		Example: `  chaintap seal keygen --name acme-seal-2026 --out seal.key > seal.pub
  chaintap seal keygen --encryption --out payments.aes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--out is required")}
			}
			if encryption {
				k, err := seal.NewEncryptionKey()
				if err != nil {
					return err
				}
				return writeSecret(out, k+"\n")
			}
			if name == "" {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--name is required (e.g. <org>-seal-<year>)")}
			}
			priv, pub, err := seal.GenerateKey(name)
			if err != nil {
				return err
			}
			if err := writeSecret(out, priv+"\n"); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, pub)
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "name", "", "the key's name, shown in every checkpoint it signs")
	cmd.Flags().StringVar(&out, "out", "", "the file to write the private key to (must not exist)")
	cmd.Flags().BoolVar(&encryption, "encryption", false, "make an AES-256 value key instead")
	return cmd
}

// writeSecret writes a new file only its owner reads; it never overwrites.
func writeSecret(path, text string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("writing the key: %w", err)
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return fmt.Errorf("writing the key: %w", err)
	}
	return f.Close()
}

// anchorOpts say where checkpoints are anchored.
type anchorOpts struct {
	url, contract, keyFile string
}

func (a *anchorOpts) flags(cmd *cobra.Command, withKey bool) {
	cmd.Flags().StringVar(&a.url, "anchor-url", "", "JSON-RPC URL of the chain holding the SealAnchor contract")
	cmd.Flags().StringVar(&a.contract, "anchor-contract", "", "address of the SealAnchor contract (see seal deploy-anchor)")
	if withKey {
		cmd.Flags().StringVar(&a.keyFile, "anchor-key-file", "", "hex private key of the account that deployed the contract")
	}
}

// open connects to the anchor; withKey loads the key that anchors.
func (a *anchorOpts) open(ctx context.Context, withKey bool) (*anchor.Anchor, func(), error) {
	if a.url == "" || a.contract == "" || (withKey && a.keyFile == "") {
		return nil, nil, fmt.Errorf("anchoring needs --anchor-url, --anchor-contract and, to anchor, --anchor-key-file")
	}
	if !common.IsHexAddress(a.contract) {
		return nil, nil, fmt.Errorf("--anchor-contract %q is not an address", a.contract)
	}
	var key *ecdsa.PrivateKey
	if withKey {
		k, err := crypto.LoadECDSA(a.keyFile)
		if err != nil {
			return nil, nil, fmt.Errorf("--anchor-key-file %s: %w", a.keyFile, err)
		}
		key = k
	}
	cl, chainID, err := dialAnchor(ctx, a.url)
	if err != nil {
		return nil, nil, err
	}
	return anchor.New(cl, common.HexToAddress(a.contract), key, chainID), cl.Close, nil
}

func dialAnchor(ctx context.Context, url string) (*ethclient.Client, *big.Int, error) {
	cl, err := ethclient.DialContext(ctx, url)
	if err != nil {
		return nil, nil, fmt.Errorf("connecting to the anchor chain %s: %w", url, err)
	}
	id, err := cl.ChainID(ctx)
	if err != nil {
		cl.Close()
		return nil, nil, fmt.Errorf("asking %s for its chain id: %w", url, err)
	}
	return cl, id, nil
}

func (e *env) sealDeployAnchorCmd() *cobra.Command {
	var o anchorOpts
	cmd := &cobra.Command{
		Use:   "deploy-anchor --anchor-url URL --anchor-key-file FILE",
		Short: "Deploy the SealAnchor contract; only its deployer can anchor",
		Long: `Deploys contracts/SealAnchor.sol with the account of --anchor-key-file (a hex
secp256k1 key) and prints its address, for "chaintap seal --anchor-contract"
and "chaintap verify --anchor-contract".`,
		Example: `  chaintap seal deploy-anchor --anchor-url http://127.0.0.1:8545 --anchor-key-file anchor.hex`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.url == "" || o.keyFile == "" {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--anchor-url and --anchor-key-file are required")}
			}
			key, err := crypto.LoadECDSA(o.keyFile)
			if err != nil {
				return fmt.Errorf("--anchor-key-file %s: %w", o.keyFile, err)
			}
			cl, id, err := dialAnchor(cmd.Context(), o.url)
			if err != nil {
				return err
			}
			defer cl.Close()
			a, err := anchor.Deploy(cmd.Context(), cl, key, id)
			if err != nil {
				return err
			}
			fmt.Fprintln(e.stdout, a.Address().Hex())
			return nil
		},
	}
	cmd.Flags().StringVar(&o.url, "anchor-url", "", "JSON-RPC URL of the chain")
	cmd.Flags().StringVar(&o.keyFile, "anchor-key-file", "", "hex private key of the deploying (and anchoring) account")
	return cmd
}

func (e *env) sealReadCmd() *cobra.Command {
	var decrypt []string
	var brokers []string
	cmd := &cobra.Command{
		Use:   "read SEALED_TOPIC --decrypt NAME=KEY_FILE",
		Short: "Print a sealed topic's records, values decrypted",
		Long: `Prints every record of SEALED_TOPIC as one JSON object per line (partition,
offset, key, value as text, headers), decrypting values sealed with
--encrypt under the keys given. It does not verify: run "chaintap verify"
for that (it needs no decryption key: the seal covers the ciphertext).`,
		Example: `  chaintap seal read payments.sealed --decrypt payments=payments.aes`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ciphers := map[string]*seal.Cipher{}
			for _, d := range decrypt {
				name, file, ok := strings.Cut(d, "=")
				if !ok {
					return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("--decrypt %q: want NAME=KEY_FILE", d)}
				}
				c, err := seal.LoadCipher(name, file)
				if err != nil {
					return err
				}
				ciphers[name] = c
			}
			kcfg, _, err := e.sealKafka(brokers)
			if err != nil {
				return err
			}
			return printPlain(cmd.Context(), kcfg, args[0], ciphers, e.stdout)
		},
	}
	cmd.Flags().StringSliceVar(&decrypt, "decrypt", nil, "NAME=KEY_FILE of a value key (repeatable)")
	cmd.Flags().StringSliceVar(&brokers, "brokers", nil, "Kafka bootstrap brokers (overrides kafka.brokers)")
	return cmd
}

// printPlain prints topic's records as JSON lines, values decrypted.
func printPlain(ctx context.Context, kcfg kafka.Config, topic string, ciphers map[string]*seal.Cipher, w io.Writer) error {
	enc := json.NewEncoder(w)
	return kafka.ReadTopic(ctx, kcfg, topic, 0, func(r *kgo.Record) error {
		v, err := seal.Decrypt(r, ciphers)
		if err != nil {
			return fmt.Errorf("%s partition %d: %w", topic, r.Partition, err)
		}
		hs := map[string]string{}
		for _, h := range r.Headers {
			hs[h.Key] = string(h.Value)
		}
		return enc.Encode(map[string]any{"partition": r.Partition, "offset": r.Offset, "key": string(r.Key), "value": string(v), "headers": hs})
	})
}
