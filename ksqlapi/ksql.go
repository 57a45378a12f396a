package ksqlapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/chaintap/chaintap/sql"
)

// ksqlRequest is /ksql's body.
type ksqlRequest struct {
	KSQL              string         `json:"ksql"`
	StreamsProperties map[string]any `json:"streamsProperties"`
	SessionVariables  map[string]any `json:"sessionVariables"`
}

// errUnsupported marks a statement the API refuses: it would change the
// catalog or the persistent queries, which come from the statement file.
var errUnsupported = errors.New("not supported over the API")

// ksql runs statements: SHOW, LIST, DESCRIBE, SET/UNSET (for the later
// statements of the request), INSERT INTO … VALUES. It answers one entity
// per statement that has one, or ksqlDB's statement_error for the first
// that fails, with the entities of those before it.
func (s *Server) ksql(w http.ResponseWriter, r *http.Request) {
	var req ksqlRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, errBadRequest, "the body is not a JSON request: "+err.Error())
		return
	}
	sts, err := sql.Parse(req.KSQL)
	if err != nil {
		writeStatementError(w, http.StatusBadRequest, errBadStatement, err.Error(), req.KSQL, nil)
		return
	}
	props := newProperties(req.StreamsProperties)
	entities := []any{}
	for _, st := range sts {
		e, err := s.statement(r.Context(), st, props)
		if err != nil {
			status, code := http.StatusBadRequest, errBadStatement
			if !isClientError(err) {
				status, code = http.StatusInternalServerError, errServer
			}
			writeStatementError(w, status, code, err.Error(), st.Text(), entities)
			return
		}
		if e != nil {
			entities = append(entities, e)
		}
	}
	writeJSON(w, http.StatusOK, entities)
}

// statement runs one statement; its entity may be nil.
func (s *Server) statement(ctx context.Context, st sql.Statement, props properties) (any, error) {
	switch st := st.(type) {
	case *sql.Show:
		return s.show(ctx, st, props)
	case *sql.Describe:
		return s.describe(ctx, st)
	case *sql.SetProperty:
		props.set(st.Name, st.Value)
		return nil, nil
	case *sql.UnsetProperty:
		props.unset(st.Name)
		return nil, nil
	case *sql.InsertValues:
		return nil, s.insertValues(ctx, st)
	case *sql.QueryStatement:
		return nil, clientError{fmt.Errorf("SELECT statements run on /query-stream (or /query), not /ksql")}
	default:
		return nil, clientError{fmt.Errorf("%s: %w yet: chaintap runs the statements of its statement file "+
			"(chaintap process -f FILE, chaintap up --sql FILE); add it there", headOf(st), errUnsupported)}
	}
}

// clientError is an error in the request, not in the server: HTTP 400.
type clientError struct{ error }

func (e clientError) Unwrap() error { return e.error }

func isClientError(err error) bool {
	var ce clientError
	var se *sql.Error
	return errors.As(err, &ce) || errors.As(err, &se)
}

func headOf(st sql.Statement) string {
	f := strings.Fields(st.Text())
	if len(f) > 3 {
		f = f[:3]
	}
	return strings.ToUpper(strings.Join(f, " "))
}
