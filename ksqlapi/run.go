package ksqlapi

import (
	"context"
	"fmt"
	"io"

	"github.com/chaintap/chaintap/query"
	"github.com/chaintap/chaintap/sql"
	"github.com/chaintap/chaintap/stream"
)

// result is a running query's rows as the endpoints read them.
type result struct {
	id     string
	schema *sql.Schema
	push   bool
	// next returns the next change; io.EOF at the end (a pull query's
	// last row, a push query's LIMIT).
	next  func(context.Context) (query.Change, error)
	close func()
}

// plan parses and analyzes a SELECT.
func (s *Server) plan(text string) (*sql.QueryPlan, error) {
	st, err := sql.ParseOne(text)
	if err != nil {
		return nil, clientError{err}
	}
	if _, ok := st.(*sql.QueryStatement); !ok {
		return nil, clientError{fmt.Errorf("%s: only SELECT statements run here; other statements go to /ksql", headOf(st))}
	}
	p, err := s.cfg.Catalog.Plan(st)
	if err != nil {
		return nil, clientError{err}
	}
	return p.(*sql.QueryPlan), nil
}

// start runs a planned SELECT: a pull query answers at once, a push query
// starts streaming.
func (s *Server) start(ctx context.Context, p *sql.QueryPlan, props properties) (*result, error) {
	id := query.NewID(p)
	if p.Kind == sql.PullQuery {
		rows, err := s.queries.Pull(ctx, p)
		if err != nil {
			return nil, err
		}
		return &result{id: id, schema: p.Output, next: func(context.Context) (query.Change, error) {
			if len(rows) == 0 {
				return query.Change{}, io.EOF
			}
			r := rows[0]
			rows = rows[1:]
			return query.Change{Row: r}, nil
		}, close: func() {}}, nil
	}
	from, err := props.fromBeginning()
	if err != nil {
		return nil, err
	}
	snap, err := props.snapshot()
	if err != nil {
		return nil, err
	}
	stages, results, err := s.cfg.Catalog.CompileTransient(id, p, stream.Options{})
	if err != nil {
		return nil, clientError{err}
	}
	push, err := s.queries.Push(ctx, query.Spec{ID: id, Plan: p, Stages: stages, Results: results, FromBeginning: from, Snapshot: snap})
	if err != nil {
		return nil, err
	}
	return &result{id: id, schema: p.Output, push: true, next: push.Next, close: push.Close}, nil
}

// header is the first object of /query-stream's answer.
func (r *result) header() map[string]any {
	names, types := []string{}, []string{}
	for _, c := range r.schema.Columns {
		names, types = append(names, c.Name), append(types, c.Type.String())
	}
	return map[string]any{"queryId": r.id, "columnNames": names, "columnTypes": types}
}

// appendRow appends a row as a JSON array of its values.
func (r *result) appendRow(dst []byte, row sql.Row) []byte {
	dst = append(dst, '[')
	for i, c := range r.schema.Columns {
		if i > 0 {
			dst = append(dst, ',')
		}
		var v sql.Value
		if i < len(row) {
			v = row[i]
		}
		dst = sql.AppendJSONValue(dst, c.Type, v)
	}
	return append(dst, ']')
}
