package ksqlapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/chaintap/chaintap/query"
)

type queryStreamRequest struct {
	SQL              string         `json:"sql"`
	Properties       map[string]any `json:"properties"`
	SessionVariables map[string]any `json:"sessionVariables"`
}

// queryStream is /query-stream: a header object, then one JSON array per
// row, newline-delimited (the default) or as one JSON array (Accept:
// application/json). A push query streams until the client goes, the
// query is closed or its LIMIT is reached. Deletions are not rows here, as
// in ksqlDB; /query marks them.
func (s *Server) queryStream(w http.ResponseWriter, r *http.Request) {
	var req queryStreamRequest
	if err := decodeBody(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, errBadRequest, "the body is not a JSON request: "+err.Error())
		return
	}
	res, ok := s.open(w, r, req.SQL, req.Properties)
	if !ok {
		return
	}
	defer res.close()
	asJSON := strings.Contains(r.Header.Get("Accept"), contentTypeJSON)
	ct := contentTypeDelimited
	if asJSON {
		ct = contentTypeJSON
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(http.StatusOK)
	head, _ := json.Marshal(res.header())
	// Delimited: a line per object. JSON: one array, its elements
	// separated as they come.
	buf, before, after := append(head, '\n'), "", "\n"
	if asJSON {
		buf, before, after = append([]byte("["), head...), ",\n", ""
	}
	err := s.stream(r.Context(), w, res, buf, func(dst []byte, c query.Change) []byte {
		if c.Tombstone {
			return dst
		}
		return append(res.appendRow(append(dst, before...), c.Row), after...)
	})
	if asJSON && err == nil {
		_, _ = w.Write([]byte("]\n"))
	}
}

// open plans and starts a query, answering the error itself when it
// fails.
func (s *Server) open(w http.ResponseWriter, r *http.Request, text string, rawProps map[string]any) (*result, bool) {
	p, err := s.plan(text)
	if err != nil {
		writeError(w, http.StatusBadRequest, errBadStatement, err.Error())
		return nil, false
	}
	res, err := s.start(r.Context(), p, newProperties(rawProps))
	if err != nil {
		status, code := http.StatusInternalServerError, errServer
		if isClientError(err) || errors.Is(err, query.ErrUnknownTopic) {
			status, code = http.StatusBadRequest, errBadStatement
		}
		writeError(w, status, code, err.Error())
		return nil, false
	}
	return res, true
}

// stream writes buf, then each change as row appends it, flushing after
// every batch of changes that is ready, until the result ends (nil) or the
// client or the query goes (an error; the response is cut).
func (s *Server) stream(ctx context.Context, w http.ResponseWriter, res *result, buf []byte, row func([]byte, query.Change) []byte) error {
	rc := http.NewResponseController(w)
	for {
		if _, err := w.Write(buf); err != nil {
			return err
		}
		_ = rc.Flush()
		buf = buf[:0]
		c, err := res.next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			if !errors.Is(err, context.Canceled) && !errors.Is(err, query.ErrClosed) {
				s.log.Warn("a query stopped", "query", res.id, "err", err)
			}
			return err
		}
		buf = row(buf, c)
	}
}

// query is the older /query: a JSON array streamed in chunks, a header
// with the schema, then {"row":{"columns":[…]}} per row (with
// "tombstone":true for a deleted row of a table), and a final message
// when a LIMIT ends it.
func (s *Server) query(w http.ResponseWriter, r *http.Request) {
	var req ksqlRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, errBadRequest, "the body is not a JSON request: "+err.Error())
		return
	}
	res, ok := s.open(w, r, req.KSQL, req.StreamsProperties)
	if !ok {
		return
	}
	defer res.close()
	w.Header().Set("Content-Type", contentTypeKSQL)
	w.WriteHeader(http.StatusOK)
	var cols []string
	for _, c := range res.schema.Columns {
		cols = append(cols, "`"+c.Name+"` "+c.Type.String())
	}
	head, _ := json.Marshal(map[string]any{"header": map[string]string{"queryId": res.id, "schema": strings.Join(cols, ", ")}})
	buf := append([]byte("["), head...)
	err := s.stream(r.Context(), w, res, buf, func(dst []byte, c query.Change) []byte {
		dst = append(dst, ",\n{\"row\":{\"columns\":"...)
		dst = res.appendRow(dst, c.Row)
		if c.Tombstone {
			dst = append(dst, ",\"tombstone\":true"...)
		}
		return append(dst, "}}"...)
	})
	if err == nil {
		if res.push {
			_, _ = w.Write([]byte(",\n{\"finalMessage\":\"Limit Reached\"}"))
		}
		_, _ = w.Write([]byte("]\n"))
	}
}

// closeQuery is /close-query: it ends a push query by ID.
func (s *Server) closeQuery(w http.ResponseWriter, r *http.Request) {
	var req struct {
		QueryID string `json:"queryId"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.QueryID == "" {
		writeError(w, http.StatusBadRequest, errBadRequest, `the body must be {"queryId": "…"}`)
		return
	}
	if err := s.queries.Close(req.QueryID); err != nil {
		writeError(w, http.StatusBadRequest, errBadRequest, "No query with id "+req.QueryID)
		return
	}
	w.WriteHeader(http.StatusOK)
}
