package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/chaintap/chaintap"
)

var (
	// errMethodNotAllowed: the path exists, the method does not.
	errMethodNotAllowed = errors.New("method not allowed")
	// errReadOnly: this chaintap sends no transactions (no devchain).
	errReadOnly = errors.New("this chaintap sends no transactions (no devchain)")
)

// statusOf is the one place errors become HTTP statuses.
func statusOf(err error) int {
	switch {
	case errors.Is(err, chaintap.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, chaintap.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, chaintap.ErrRefused):
		return http.StatusForbidden
	case errors.Is(err, errMethodNotAllowed):
		return http.StatusMethodNotAllowed
	case errors.Is(err, errReadOnly):
		return http.StatusNotImplemented
	}
	return http.StatusInternalServerError
}

// writeError answers {"error": "..."} with err's status.
func writeError(w http.ResponseWriter, err error) {
	writeJSON(w, statusOf(err), map[string]string{"error": err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// noRoute answers a request that no pattern takes. The mux's handler h
// knows whether the path exists for another method (405, with the Allow
// header) or not at all (404), but writes plain text: it runs against a
// recorder, and the answer is our JSON error. Anything else h does (a
// redirect to the cleaned path) is passed through.
func noRoute(w http.ResponseWriter, r *http.Request, h http.Handler) {
	rec := &statusRecorder{header: http.Header{}}
	h.ServeHTTP(rec, r)
	switch rec.status {
	case http.StatusMethodNotAllowed:
		allow := rec.header.Get("Allow")
		w.Header().Set("Allow", allow)
		writeError(w, fmt.Errorf("%w: %s %s (allowed: %s)", errMethodNotAllowed, r.Method, r.URL.Path, allow))
	case http.StatusNotFound:
		writeError(w, fmt.Errorf("%s %s: %w", r.Method, r.URL.Path, chaintap.ErrNotFound))
	default:
		h.ServeHTTP(w, r)
	}
}

// statusRecorder keeps a handler's status and headers and drops its body.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header { return s.header }

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.WriteHeader(http.StatusOK)
	return len(b), nil
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
}
