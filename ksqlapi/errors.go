package ksqlapi

import (
	"encoding/json"
	"io"
	"net/http"
)

// ksqlDB's error codes: the HTTP status times 100 plus a detail.
const (
	errBadStatement = 40001
	errBadRequest   = 40000
	errNotFound     = 40400
	errServer       = 50000
)

// apiError is ksqlDB's error body.
type apiError struct {
	Type      string `json:"@type"`
	ErrorCode int    `json:"error_code"`
	Message   string `json:"message"`
}

func writeError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, apiError{Type: "generic_error", ErrorCode: code, Message: msg})
}

// writeStatementError is /ksql's error: the statement that failed, with
// the entities of the statements before it that succeeded.
func writeStatementError(w http.ResponseWriter, status, code int, msg, statement string, done []any) {
	if done == nil {
		done = []any{}
	}
	writeJSON(w, status, struct {
		apiError
		StatementText string `json:"statementText"`
		Entities      []any  `json:"entities"`
	}{apiError{Type: "statement_error", ErrorCode: code, Message: msg}, statement, done})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", contentTypeKSQL)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// The content types ksqlDB answers with.
const (
	contentTypeKSQL      = "application/vnd.ksql.v1+json"
	contentTypeJSON      = "application/json"
	contentTypeDelimited = "application/vnd.ksqlapi.delimited.v1"
)

// decodeBody reads a JSON request body to its end. Reading it all matters
// for streaming answers: a server that answers before the body's end
// makes HTTP/1.1 clients and proxies wait or cancel.
func decodeBody(r *http.Request, v any) error {
	raw, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}
