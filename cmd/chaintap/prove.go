package main

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/chaintap/chaintap/seal"
)

func (e *env) proveCmd() *cobra.Command {
	var keys, brokers []string
	cmd := &cobra.Command{
		Use:   "prove SEALED_TOPIC PARTITION OFFSET --key PUBLIC_KEY",
		Short: "Print a proof that one record is in a sealed topic, checkable offline",
		Long: `Verifies the partition (as "chaintap verify" does) and prints, as JSON, the
record at OFFSET with:
  - an RFC 6962 inclusion proof against the first signed checkpoint that
    covers it, and that checkpoint (a C2SP signed note);
  - a consistency proof from that checkpoint to the latest one, and the
    latest: the log only grew in between.
Anyone holding the proof and the sealer's public key checks it with
"chaintap verify --proof FILE --key KEY", or with any RFC 6962 library.
A record after the partition's last checkpoint has no proof yet (exit 6):
wait for the sealer's next checkpoint.`,
		Example: `  chaintap prove payments.sealed 0 1234 --key keys.pub > proof.json
  chaintap verify --proof proof.json --key keys.pub`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := strconv.ParseInt(args[1], 10, 32)
			if err != nil {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("partition %q is not a number", args[1])}
			}
			off, err := strconv.ParseInt(args[2], 10, 64)
			if err != nil {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("offset %q is not a number", args[2])}
			}
			ks, err := trustedKeys(e, keys)
			if err != nil {
				return err
			}
			kcfg, _, err := e.sealKafka(brokers)
			if err != nil {
				return err
			}
			proof, err := seal.ProveOffset(cmd.Context(), kcfg, args[0], int32(p), off, ks)
			if err != nil {
				return err
			}
			enc := json.NewEncoder(e.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(proof)
		},
	}
	cmd.Flags().StringSliceVar(&keys, "key", nil, "a trusted public key, or a file of them (default $"+envSealPubKey+")")
	cmd.Flags().StringSliceVar(&brokers, "brokers", nil, "Kafka bootstrap brokers (overrides kafka.brokers)")
	return cmd
}
