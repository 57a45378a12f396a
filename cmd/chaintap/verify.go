package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/chaintap/chaintap/seal"
)

func (e *env) verifyCmd() *cobra.Command {
	var keys, brokers []string
	var strict bool
	var proofFile string
	var anc anchorOpts
	cmd := &cobra.Command{
		Use:   "verify SEALED_TOPIC --key PUBLIC_KEY | verify --proof FILE --key PUBLIC_KEY",
		Short: "Check a sealed topic (or one record's proof, offline) against signed checkpoints",
		Long: `Reads every record of SEALED_TOPIC and its checkpoints from
_chaintap.seal.checkpoints, checks each checkpoint's signature against the
public keys given, the hash chain of every partition and every checkpoint's
Merkle tree head, and prints OK or the first bad offset and what is wrong:

  modified    a record's key, value or headers changed
  deleted     records are missing (a gap in the seal numbers)
  inserted    a record that was not sealed, or sealed before
  reordered   records in another order than sealed
  truncated   a checkpoint covers records that are gone
  rewritten   records changed and re-chained: only a checkpoint tells
  checkpoint signature invalid   a checkpoint was altered or forged

Records after a partition's last checkpoint are chained but not yet signed
(the sealer checkpoints every --every records or --interval); they are
counted, and --strict fails on them.

With --proof it checks a proof written by "chaintap prove" instead, with
no Kafka at all: the record, the inclusion proof, the checkpoint's
signature and the consistency proof to the latest checkpoint.

With --anchor-url and --anchor-contract it also checks that each
partition's latest tree head was anchored on that chain, and names the block.

Exit codes: 0 verified, 5 tampering found (or a proof that does not check),
6 cannot verify (topic never sealed or missing, checkpoint by an unknown
key, tree head not anchored), 1 other errors, 2 usage.`,
		Example: `  chaintap verify payments.sealed --key 'acme-seal-2026+1a2b3c4d+AbC…'
  chaintap verify payments.sealed --key keys.pub --strict          # a file of public keys (old and new)
  chaintap prove payments.sealed 0 1234 --key keys.pub > p.json
  chaintap verify --proof p.json --key keys.pub                    # offline`,
		Args: func(cmd *cobra.Command, args []string) error {
			if (proofFile == "" && len(args) == 1) || (proofFile != "" && len(args) == 0) {
				return nil
			}
			return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("give one topic, or --proof FILE and no topic")}
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			ks, err := trustedKeys(e, keys)
			if err != nil {
				return err
			}
			if proofFile != "" {
				return e.verifyProof(proofFile, ks)
			}
			kcfg, _, err := e.sealKafka(brokers)
			if err != nil {
				return err
			}
			res, err := seal.VerifyTopic(cmd.Context(), kcfg, args[0], ks, seal.VerifyOptions{
				Strict: strict, Progress: newCountProgress(e.stderr, "verify "+args[0], time.Now)})
			if err != nil {
				return err
			}
			printVerified(e.stdout, args[0], res)
			if anc.url != "" {
				return e.checkAnchors(cmd.Context(), anc, res)
			}
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&keys, "key", nil, "a trusted public key, or a file of them one per line (repeatable; default $"+envSealPubKey+")")
	cmd.Flags().BoolVar(&strict, "strict", false, "fail on records no checkpoint covers yet")
	cmd.Flags().StringVar(&proofFile, "proof", "", "check this proof (from chaintap prove) offline instead of a topic")
	cmd.Flags().StringSliceVar(&brokers, "brokers", nil, "Kafka bootstrap brokers (overrides kafka.brokers)")
	anc.flags(cmd, false)
	return cmd
}

// trustedKeys parses --key, falling back on $CHAINTAP_SEAL_PUBKEY.
func trustedKeys(e *env, keys []string) (note.Verifiers, error) {
	if len(keys) == 0 {
		if v, ok := e.getenv(envSealPubKey); ok {
			keys = strings.Fields(v)
		}
	}
	ks, _, err := seal.ParseVerifiers(keys)
	return ks, err
}

func printVerified(w io.Writer, topic string, res []seal.Result) {
	var n, tail int64
	for _, r := range res {
		line := fmt.Sprintf("  partition %d: %d records, %d checkpoints", r.Partition, r.Sealed, r.Checkpoints)
		if r.Last != nil {
			line += fmt.Sprintf(", the last covers %d (to offset %d), signed by %s+%08x", r.Last.Size, r.Last.LastOffset, r.Last.KeyName, r.Last.KeyHash)
		}
		if r.Tail() > 0 {
			line += fmt.Sprintf("; %d after it not checkpointed yet", r.Tail())
		}
		fmt.Fprintln(w, line)
		n, tail = n+r.Sealed, tail+r.Tail()
	}
	fmt.Fprintf(w, "OK: %s verified, %d sealed records in %d partitions (%d not checkpointed yet)\n", topic, n, len(res), tail)
}

func (e *env) verifyProof(file string, ks note.Verifiers) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	p, err := seal.ParseProof(b)
	if err != nil {
		return err
	}
	c, err := p.Check(ks)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "OK: %s partition %d offset %d is record %s of the seal, included in the checkpoint of %d records signed by %s+%08x\n",
		p.Topic, p.Partition, p.Offset, sealNumber(p), c.Size, c.KeyName, c.KeyHash)
	return nil
}

func sealNumber(p *seal.Proof) string {
	for _, h := range p.Headers {
		if h.Key == seal.HeaderSeq {
			return string(h.Value)
		}
	}
	return "?"
}

// checkAnchors checks each partition against the largest tree head
// anchored for it, and says whether its latest checkpoint is anchored
// (the sealer anchors after each commit, so the newest may lag).
func (e *env) checkAnchors(ctx context.Context, o anchorOpts, res []seal.Result) error {
	a, closeFn, err := o.open(ctx, false)
	if err != nil {
		return err
	}
	defer closeFn()
	for _, r := range res {
		h, err := a.Check(ctx, r)
		if err != nil {
			return err
		}
		line := fmt.Sprintf("  partition %d: tree head of %d records anchored in block %d of %s", r.Partition, h.Size, h.Block, o.url)
		if r.Last != nil && r.Last.Size > h.Size {
			line += fmt.Sprintf("; the latest checkpoint (%d records) is not anchored yet", r.Last.Size)
		}
		fmt.Fprintln(e.stdout, line)
	}
	return nil
}
