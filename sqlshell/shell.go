// Package sqlshell is `chaintap sql`: a shell in the spirit of the ksql
// CLI that runs statements against a chaintap (or ksqlDB) over ksqlDB's
// REST API. SELECTs go to /query-stream, every other statement to /ksql;
// SET, UNSET and RUN SCRIPT are the shell's own, as in the ksql CLI: the
// properties are kept here and sent with every request.
package sqlshell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// Format is how results are printed.
type Format int

const (
	Tabular Format = iota // tables, as the ksql CLI prints them
	JSON                  // the API's entities, and one JSON object per row
)

// ParseFormat reads --output's value.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "tabular":
		return Tabular, nil
	case "json":
		return JSON, nil
	}
	return 0, fmt.Errorf("--output %q: want tabular or json", s)
}

// Config is what a shell prints to and talks to.
type Config struct {
	Client *Client
	Out    io.Writer
	Format Format
	// Width is the terminal's width in columns, for the tables of push
	// queries, whose rows are not known when the header is drawn; 0: 80.
	Width int
}

// Shell runs statements. It is not safe for concurrent use: it is one
// user's session.
type Shell struct {
	cfg   Config
	props map[string]string
	// scripts are the RUN SCRIPT files being run, to refuse one that runs
	// itself.
	scripts []string
}

// New returns a shell with no properties set.
func New(cfg Config) *Shell {
	if cfg.Width <= 0 {
		cfg.Width = 80
	}
	return &Shell{cfg: cfg, props: map[string]string{}}
}

// Exec runs one statement.
func (s *Shell) Exec(ctx context.Context, st Statement) error {
	if cmd, ok := localCommand(st.Text); ok {
		return cmd(ctx, s)
	}
	if firstWord(st.Text) == "SELECT" {
		return s.query(ctx, st.Text)
	}
	ents, err := s.cfg.Client.Ksql(ctx, st.Text, s.props)
	if err != nil {
		return err
	}
	return s.printEntities(ents)
}

// Run runs the statements of src one after the other and stops at the
// first that fails. name is the file src comes from ("" for -e); the
// error then names the line:column in src, not in the statement.
func (s *Shell) Run(ctx context.Context, src, name string) error {
	stmts, rest := Split(src)
	// The last statement may leave out its ';', as on ksqlDB.
	if st, ok := statementAt(src, len(src)-len(rest), len(src)); ok {
		stmts = append(stmts, st)
	}
	for _, st := range stmts {
		err := s.Exec(ctx, st)
		var unreachable *UnreachableError
		var inner *ScriptError
		if errors.As(err, &unreachable) || errors.As(err, &inner) {
			return err // no statement's fault, or a RUN SCRIPT's statement's, which names its place
		}
		if err != nil {
			return &ScriptError{File: name, Statement: st, Err: err}
		}
	}
	return nil
}

// ScriptError is a statement of a script that failed.
type ScriptError struct {
	File      string // "" for -e
	Statement Statement
	Err       error
}

func (e *ScriptError) Unwrap() error { return e.Err }

// Error names the error's place in the script: the server's line:column
// is relative to the statement it was sent.
func (e *ScriptError) Error() string {
	msg := e.Err.Error()
	line, col := e.Statement.Line, 0
	if m := posPrefix.FindStringSubmatch(msg); m != nil {
		l, _ := strconv.Atoi(m[1])
		c, _ := strconv.Atoi(m[2])
		line, col = e.Statement.Line+l-1, c
		if l == 1 {
			col = e.Statement.Col + c - 1
		}
		msg = msg[len(m[0]):]
	}
	at := fmt.Sprintf("line %d", line)
	if col > 0 {
		at = fmt.Sprintf("line %d:%d", line, col)
	}
	if e.File != "" {
		return fmt.Sprintf("%s: %s: %s", e.File, at, msg)
	}
	return fmt.Sprintf("%s: %s", at, msg)
}

var posPrefix = regexp.MustCompile(`^line (\d+):(\d+): `)

// localCommand recognizes the statements the shell runs itself.
func localCommand(text string) (func(context.Context, *Shell) error, bool) {
	t := strings.TrimSuffix(strings.TrimSpace(stripComments(text)), ";")
	if m := setRe.FindStringSubmatch(t); m != nil {
		return func(_ context.Context, s *Shell) error { return s.set(unquote(m[1]), unquote(m[2])) }, true
	}
	if m := unsetRe.FindStringSubmatch(t); m != nil {
		return func(_ context.Context, s *Shell) error { return s.unset(unquote(m[1])) }, true
	}
	if m := runScriptRe.FindStringSubmatch(t); m != nil {
		return func(ctx context.Context, s *Shell) error { return s.RunFile(ctx, unquote(m[1])) }, true
	}
	return nil, false
}

var (
	quoted      = `'((?:[^']|'')*)'`
	setRe       = regexp.MustCompile(`(?is)^SET\s+` + quoted + `\s*=\s*` + quoted + `\s*$`)
	unsetRe     = regexp.MustCompile(`(?is)^UNSET\s+` + quoted + `\s*$`)
	runScriptRe = regexp.MustCompile(`(?is)^RUN\s+SCRIPT\s+` + quoted + `\s*$`)
)

func unquote(s string) string { return strings.ReplaceAll(s, "''", "'") }

func (s *Shell) set(name, value string) error {
	s.props[name] = value
	if s.cfg.Format == Tabular {
		fmt.Fprintf(s.cfg.Out, "Successfully changed local property '%s' to '%s'. Use the UNSET command to revert your change.\n", name, value)
	}
	return nil
}

func (s *Shell) unset(name string) error {
	old, ok := s.props[name]
	if !ok {
		return fmt.Errorf("property '%s' is not set", name)
	}
	delete(s.props, name)
	if s.cfg.Format == Tabular {
		fmt.Fprintf(s.cfg.Out, "Successfully unset local property '%s' (value was '%s').\n", name, old)
	}
	return nil
}

// RunFile runs the statements of a file, stopping at the first error.
func (s *Shell) RunFile(ctx context.Context, path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	for _, p := range s.scripts {
		if p == abs {
			return fmt.Errorf("RUN SCRIPT '%s': the script runs itself", path)
		}
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s.scripts = append(s.scripts, abs)
	defer func() { s.scripts = s.scripts[:len(s.scripts)-1] }()
	return s.Run(ctx, string(src), path)
}

// ErrInterrupted is the cause of a context the shell ends on Ctrl-C: the
// statement under way stops, the shell goes on.
var ErrInterrupted = errors.New("interrupted")
