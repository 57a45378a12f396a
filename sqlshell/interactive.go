package sqlshell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/chzyer/readline"
)

const (
	prompt         = "chaintap> "
	continuePrompt = "        > "
)

// Terminal is the terminal an interactive session reads from.
type Terminal struct {
	In          io.ReadCloser
	Out, Err    io.Writer
	HistoryFile string // "": no history
}

// Interactive reads statements from the terminal until exit, quit or
// Ctrl-D. Ctrl-C at the prompt drops the statement being typed; during a
// statement it stops that statement (a push query is closed) and the
// prompt comes back. ctx should not end on Ctrl-C for that reason.
func (s *Shell) Interactive(ctx context.Context, term Terminal) error {
	rl, err := readline.NewEx(&readline.Config{
		Prompt: prompt, HistoryFile: term.HistoryFile, HistorySearchFold: true,
		Stdin: term.In, Stdout: term.Out, Stderr: term.Err, InterruptPrompt: "^C", EOFPrompt: "exit",
	})
	if err != nil {
		return fmt.Errorf("opening the terminal: %w", err)
	}
	defer rl.Close()
	// Readline blocks until a line comes; SIGTERM must not wait for one.
	stop := context.AfterFunc(ctx, func() { _ = rl.Close() })
	defer stop()
	s.banner(ctx, term.Out)
	pending := ""
	for ctx.Err() == nil {
		rl.SetPrompt(prompt)
		if Incomplete(pending) {
			rl.SetPrompt(continuePrompt)
		}
		line, err := rl.Readline()
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, readline.ErrInterrupt):
			pending = ""
			continue
		case errors.Is(err, io.EOF):
			return nil
		case err != nil:
			return err
		}
		if !Incomplete(pending) && isExit(line) {
			return nil
		}
		stmts, rest := Split(pending + line + "\n")
		pending = rest
		if !Incomplete(rest) {
			pending = ""
		}
		for _, st := range stmts {
			if err := s.execInteractive(ctx, st); err != nil {
				fmt.Fprintln(term.Err, errorText(err))
			}
		}
	}
	return ctx.Err()
}

// isExit reports whether line asks to leave: exit or quit, with or
// without ';', as in the ksql CLI.
func isExit(line string) bool {
	w := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(line), ";"))
	return w == "exit" || w == "quit"
}

// execInteractive runs st until it ends or Ctrl-C, which ends only st.
func (s *Shell) execInteractive(ctx context.Context, st Statement) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-sig:
			cancel(ErrInterrupted)
		case <-done:
		}
	}()
	err := s.Exec(ctx, st)
	if err != nil && errors.Is(context.Cause(ctx), ErrInterrupted) {
		return errors.New("Interrupted")
	}
	return err
}

// errorText is an error as the shell prints it.
func errorText(err error) string {
	var api *APIError
	if errors.As(err, &api) {
		return api.Message
	}
	return err.Error()
}

func (s *Shell) banner(ctx context.Context, w io.Writer) {
	srv := s.cfg.Client.Server()
	info, err := s.cfg.Client.Info(ctx)
	if err != nil {
		fmt.Fprintf(w, "WARNING: %s\n\n", errorText(err))
	} else {
		fmt.Fprintf(w, "chaintap sql: connected to %s (%s %s, %s)\n", srv, info.KsqlServiceID, info.Version, info.ServerStatus)
	}
	fmt.Fprintln(w, "Statements end with ';' and may span lines. SET/UNSET properties, RUN SCRIPT 'file.sql'; exit, quit or Ctrl-D to leave.")
	fmt.Fprintln(w)
}

// HistoryFile is where the shell keeps its history:
// $XDG_STATE_HOME/chaintap/sql_history when that is set, else
// ~/.chaintap_history; "" when neither can be known or made.
func HistoryFile(getenv func(string) (string, bool)) string {
	if dir, ok := getenv("XDG_STATE_HOME"); ok && dir != "" {
		dir = filepath.Join(dir, "chaintap")
		if os.MkdirAll(dir, 0o700) != nil {
			return ""
		}
		return filepath.Join(dir, "sql_history")
	}
	if home, ok := getenv("HOME"); ok && home != "" {
		return filepath.Join(home, ".chaintap_history")
	}
	return ""
}
