package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/chaintap/chaintap/config"
)

// env is what every subcommand gets from the process: no globals.
type env struct {
	stdout, stderr io.Writer
	getenv         func(string) (string, bool)
	configPath     string
	logLevel       string
}

// run is the testable main: it returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) (string, bool)) int {
	e := &env{stdout: stdout, stderr: stderr, getenv: getenv}
	root := &cobra.Command{
		Use:   "chaintap",
		Short: "Follow blockchains into Kafka: reorg-safe, exactly-once",
		Long: `chaintap follows EVM chains and publishes to Kafka, per chain:
  <chain>.blocks           blocks
  <chain>.transactions     transactions, receipt fields joined in
  <chain>.logs             logs
  <chain>.token_transfers  ERC-20, ERC-721 and ERC-1155 transfers
  <chain>.events           logs decoded with the configured contracts' ABIs
each as a head view (retractions on reorgs) and a .confirmed view (never
retracted), with the follower's cursor in _chaintap.cursors.

Start with "chaintap up": an embedded broker, a simulated chain, the
follower and a live page, nothing else to install.`,
		Version:       version(),
		Args:          rootArgs,
		RunE:          func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SuggestionsMinimumDistance = 2
	root.SetVersionTemplate("chaintap {{.Version}}\n")
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error { return &usageError{cmd: cmd.CommandPath(), err: err} })
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	root.PersistentFlags().StringVarP(&e.configPath, "config", "c", "", "YAML configuration file (see docs/config.md); ${ENV} is interpolated")
	root.PersistentFlags().StringVar(&e.logLevel, "log-level", "", "debug, info, warn or error (overrides log_level)")
	root.AddCommand(e.upCmd(), e.ingestCmd(), e.processCmd(), e.brokerCmd(), e.devchainCmd(), e.checkConfigCmd(), e.sqlCmd(), e.pgCmd(), e.refCmd(),
		e.gatewayCmd(), e.sealCmd(), e.verifyCmd(), e.proveCmd())
	if err := root.ExecuteContext(ctx); err != nil {
		if errors.Is(err, context.Canceled) {
			return 0
		}
		fmt.Fprintln(stderr, "chaintap:", err)
		var usage *usageError
		if errors.As(err, &usage) {
			fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", usage.cmd)
			return 2
		}
		return reorgExit(err, stderr)
	}
	return 0
}

// load reads the configuration and applies the global flags.
func (e *env) load() (config.Config, error) {
	cfg, err := config.Load(e.configPath, e.getenv)
	if err != nil {
		return cfg, err
	}
	if e.logLevel != "" {
		cfg.LogLevel = e.logLevel
	}
	return cfg, nil
}

func (e *env) logger(level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: l}))
}

// usageError is a command line that names no command or flag chaintap
// has; run adds a hint to --help and exits with 2, as shells expect.
type usageError struct {
	cmd string
	err error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// rootArgs rejects an unknown command with suggestions. cobra's own check
// for it reports only text, so the root takes its arguments itself.
func rootArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
		msg += fmt.Sprintf(" (did you mean %q?)", s[0])
	}
	return &usageError{cmd: cmd.CommandPath(), err: errors.New(msg)}
}
