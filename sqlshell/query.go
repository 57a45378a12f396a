package sqlshell

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"time"

	"github.com/chaintap/chaintap/sql"
)

// query runs a SELECT: a pull query's rows are drawn as one table once
// all have come; a push query's as they arrive, until its LIMIT, the
// server's end or Ctrl-C.
func (s *Shell) query(ctx context.Context, text string) error {
	rows, err := s.cfg.Client.Query(ctx, text, s.props)
	if err != nil {
		return err
	}
	defer rows.Close()
	if isPush(text) {
		return s.push(ctx, rows)
	}
	return s.pull(rows)
}

// isPush tells a push query (EMIT CHANGES or FINAL) from a pull query.
// The server has accepted the statement by now, so it parses, unless the
// server is a ksqlDB with syntax chaintap lacks: then a word EMIT
// decides, since drawing a push query as a pull query's table would wait
// for its end.
func isPush(text string) bool {
	st, err := sql.ParseOne(text)
	if err != nil {
		return emitWord.MatchString(text)
	}
	qs, ok := st.(*sql.QueryStatement)
	return ok && qs.Query.Emit != sql.EmitNone
}

func (s *Shell) pull(rows *Rows) error {
	var all [][]json.RawMessage
	for {
		vals, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		all = append(all, vals)
	}
	if s.cfg.Format == JSON {
		for _, vals := range all {
			s.printJSONRow(rows.Header, vals)
		}
		return nil
	}
	cells := make([][]string, len(all))
	for i, vals := range all {
		cells[i] = display(vals)
	}
	g := NewGrid(rows.Header.ColumnNames, cells)
	g.Header(s.cfg.Out, rows.Header.ColumnNames)
	for _, c := range cells {
		g.Row(s.cfg.Out, c)
	}
	g.Border(s.cfg.Out)
	fmt.Fprintln(s.cfg.Out, "Query terminated")
	return nil
}

func (s *Shell) push(ctx context.Context, rows *Rows) error {
	g := NewStreamingGrid(rows.Header.ColumnNames, rows.Header.ColumnTypes, s.cfg.Width)
	if s.cfg.Format == Tabular {
		g.Header(s.cfg.Out, rows.Header.ColumnNames)
	}
	for {
		vals, err := rows.Next()
		if err != nil {
			return s.pushEnded(ctx, rows, g, err)
		}
		if s.cfg.Format == JSON {
			s.printJSONRow(rows.Header, vals)
			continue
		}
		g.Row(s.cfg.Out, display(vals))
	}
}

// pushEnded reports how a push query ended. Ctrl-C ends the request,
// which ends the query on the server; the shell still closes it by ID,
// as the ksql CLI does, so that it goes at once even behind a proxy that
// keeps the connection.
func (s *Shell) pushEnded(ctx context.Context, rows *Rows, g Grid, err error) error {
	tabular := s.cfg.Format == Tabular
	switch {
	case errors.Is(err, io.EOF):
		if tabular {
			g.Border(s.cfg.Out)
			fmt.Fprintln(s.cfg.Out, "Limit Reached")
		}
	case ctx.Err() != nil:
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = s.cfg.Client.CloseQuery(cctx, rows.Header.QueryID) // it may be gone already
		if !errors.Is(context.Cause(ctx), ErrInterrupted) {
			return context.Cause(ctx)
		}
		if tabular {
			g.Border(s.cfg.Out)
		}
	default:
		return fmt.Errorf("the query stopped: %w", err)
	}
	if tabular {
		fmt.Fprintln(s.cfg.Out, "Query terminated")
	}
	return nil
}

// display is how a row's values read in a table: strings without their
// quotes, everything else (numbers, null, arrays, maps, structs) as JSON.
func display(vals []json.RawMessage) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		var s string
		if len(v) > 0 && v[0] == '"' && json.Unmarshal(v, &s) == nil {
			out[i] = s
			continue
		}
		out[i] = string(v)
	}
	return out
}

// printJSONRow prints a row as one JSON object, its columns in order.
func (s *Shell) printJSONRow(h Header, vals []json.RawMessage) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, v := range vals {
		if i > 0 {
			b.WriteByte(',')
		}
		name := fmt.Sprintf("col%d", i)
		if i < len(h.ColumnNames) {
			name = h.ColumnNames[i]
		}
		k, _ := json.Marshal(name)
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteString("}\n")
	_, _ = s.cfg.Out.Write(b.Bytes())
}

var emitWord = regexp.MustCompile(`(?i)\bEMIT\s+(CHANGES|FINAL)\b`)
