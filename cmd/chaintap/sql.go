package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/chaintap/chaintap/sqlshell"
)

// defaultServer is where ksqlDB serves its API, and `chaintap up` ours.
const defaultServer = "http://127.0.0.1:8088"

func (e *env) sqlCmd() *cobra.Command {
	var server, statements, file, output string
	cmd := &cobra.Command{
		Use:   "sql",
		Short: "A SQL shell (as the ksql CLI) over a running chaintap's ksqlDB API",
		Long: `Runs ksqlDB statements against a running chaintap (chaintap up, chaintap
process) or ksqlDB, over ksqlDB's REST API: SELECTs go to /query-stream (a
pull query prints its table, a push query streams its rows until its LIMIT
or Ctrl-C), every other statement to /ksql (SHOW, DESCRIBE, INSERT … VALUES).

Interactive on a terminal: line editing and history, statements end with
';' and may span lines, SET 'property' = 'value' and UNSET 'property' are
sent with every later statement, RUN SCRIPT 'file.sql' runs a file, exit,
quit or Ctrl-D leaves. With -e or -f (or statements on standard input) it
runs them, stops at the first error and exits 1 on one.`,
		Example: `  chaintap sql
  chaintap sql -e "SHOW STREAMS; DESCRIBE devchain_blocks;"
  chaintap sql -e "SELECT * FROM battery_status WHERE id = '0x13e4…';" --output json
  chaintap sql -f queries.sql --server http://10.0.0.5:8088`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			format, err := sqlshell.ParseFormat(output)
			if err != nil {
				return &usageError{cmd: cmd.CommandPath(), err: err}
			}
			if statements != "" && file != "" {
				return &usageError{cmd: cmd.CommandPath(), err: fmt.Errorf("-e and -f: give one")}
			}
			client, err := sqlshell.NewClient(server)
			if err != nil {
				return &usageError{cmd: cmd.CommandPath(), err: err}
			}
			sh := sqlshell.New(sqlshell.Config{Client: client, Out: e.stdout, Format: format, Width: terminalWidth()})
			switch {
			case statements != "":
				return sh.Run(cmd.Context(), statements, "")
			case file != "":
				return sh.RunFile(cmd.Context(), file)
			case !term.IsTerminal(int(os.Stdin.Fd())):
				src, err := io.ReadAll(os.Stdin)
				if err != nil {
					return fmt.Errorf("reading statements from standard input: %w", err)
				}
				return sh.Run(cmd.Context(), string(src), "<stdin>")
			}
			return e.interactive(cmd.Context(), sh)
		},
	}
	cmd.Flags().StringVar(&server, "server", defaultServer, "the API's address (ksqlDB's REST API, as chaintap up serves it)")
	cmd.Flags().StringVarP(&statements, "execute", "e", "", "run these statements and exit")
	cmd.Flags().StringVarP(&file, "file", "f", "", "run the statements of this file and exit")
	cmd.Flags().StringVar(&output, "output", "tabular", "tabular or json")
	return cmd
}

// interactive runs the shell on the terminal. Ctrl-C belongs to the
// shell there (it stops the statement under way), so the session's
// context ends only with SIGTERM, not with the process's interrupt.
func (e *env) interactive(ctx context.Context, sh *sqlshell.Shell) error {
	ctx, stop := signal.NotifyContext(context.WithoutCancel(ctx), syscall.SIGTERM)
	defer stop()
	return sh.Interactive(ctx, sqlshell.Terminal{In: os.Stdin, Out: e.stdout, Err: e.stderr, HistoryFile: sqlshell.HistoryFile(e.getenv)})
}

// terminalWidth is standard output's width, for push queries' tables; 0
// when it is not a terminal.
func terminalWidth() int {
	w, _, err := term.GetSize(int(os.Stdout.Fd()))
	if err != nil {
		return 0
	}
	return w
}
