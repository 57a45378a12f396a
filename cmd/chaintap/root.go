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
		Long: `chaintap follows EVM chains and publishes blocks, transactions and logs to
Kafka topics (<chain>.blocks, <chain>.transactions, <chain>.logs), each as a
head view (with retractions on reorgs) and a .confirmed view (never retracted).

Start with "chaintap up": an embedded broker, a simulated chain and the
follower, nothing else to install.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	root.PersistentFlags().StringVarP(&e.configPath, "config", "c", "", "YAML configuration file (see docs/config.md); ${ENV} is interpolated")
	root.PersistentFlags().StringVar(&e.logLevel, "log-level", "", "debug, info, warn or error (overrides log_level)")
	root.AddCommand(e.upCmd(), e.ingestCmd(), e.brokerCmd(), e.devchainCmd(), e.checkConfigCmd())
	if err := root.ExecuteContext(ctx); err != nil {
		if errors.Is(err, context.Canceled) {
			return 0
		}
		fmt.Fprintln(stderr, "chaintap:", err)
		return 1
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
