package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func (e *env) checkConfigCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "check-config",
		Short: "Check a configuration file and report every problem with its path",
		Example: `  chaintap check-config --config chaintap.yaml
  BROKER=k1:9092 chaintap check-config -c prod.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if e.configPath == "" {
				return fmt.Errorf("give the file to check with --config")
			}
			cfg, err := e.load()
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s: ok (%d chain(s))\n", e.configPath, len(cfg.Chains))
			return nil
		},
	}
}
