package gateway

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/chaintap/chaintap"
)

// maxBody bounds a request body (a deployment's bytecode fits easily).
const maxBody = 1 << 20

// Handler serves POST /api/tx and GET /api/tx/{id}.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/tx", s.handlePost)
	mux.HandleFunc("GET /api/tx/{id}", s.handleGet)
	// Everything else under /api/tx answers in JSON too.
	mux.HandleFunc("/api/tx", s.handleOther)
	mux.HandleFunc("/api/tx/", s.handleOther)
	return mux
}

// handleOther answers a method or path the API does not have.
func (s *Service) handleOther(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/api/tx" || strings.Count(strings.TrimPrefix(r.URL.Path, "/api/tx/"), "/") == 0 {
		allow := "POST"
		if r.URL.Path != "/api/tx" {
			allow = "GET"
		}
		w.Header().Set("Allow", allow)
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": r.Method + " " + r.URL.Path + ": method not allowed (allowed: " + allow + ")"})
		return
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"error": r.URL.Path + ": no such path"})
}

// authError is a refusal of the caller: 401 (who are you?) or 403 (not this).
type authError struct {
	status int
	reason string // the metric's label
	msg    string
}

func (e *authError) Error() string { return e.msg }

func (s *Service) authorize(r *http.Request) (*Token, error) {
	h := r.Header.Get("Authorization")
	bearer, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || bearer == "" {
		return nil, &authError{http.StatusUnauthorized, "missing_token", "an Authorization: Bearer <token> header is required"}
	}
	t, ok := authenticate(s.cfg.Tokens, bearer)
	if !ok {
		return nil, &authError{http.StatusUnauthorized, "bad_token", "the bearer token is not valid"}
	}
	return t, nil
}

func (s *Service) handlePost(w http.ResponseWriter, r *http.Request) {
	tok, err := s.authorize(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		s.writeError(w, invalid("Idempotency-Key", "the header is required: the same key never sends twice"))
		return
	}
	req, err := decodeRequest(r.Body)
	if err != nil {
		s.writeError(w, err)
		return
	}
	if what, ok := tok.allowsRequest(req); !ok {
		s.writeError(w, &authError{http.StatusForbidden, what, fmt.Sprintf("token %s may not use this %s", tok.Name, what)})
		return
	}
	st, dup, err := s.submit(r.Context(), key, req)
	if err != nil {
		s.writeError(w, err)
		return
	}
	if dup {
		if !tok.allowsSender(st.Request.From) {
			s.writeError(w, &authError{http.StatusForbidden, "sender", fmt.Sprintf("token %s may not see this request", tok.Name)})
			return
		}
		w.Header().Set("Idempotent-Replayed", "true")
		writeJSON(w, http.StatusOK, st)
		return
	}
	w.Header().Set("Location", "/api/tx/"+st.ID)
	writeJSON(w, http.StatusAccepted, st)
}

func (s *Service) handleGet(w http.ResponseWriter, r *http.Request) {
	tok, err := s.authorize(r)
	if err != nil {
		s.writeError(w, err)
		return
	}
	st, err := s.Get(r.PathValue("id"))
	if err == nil && !tok.allowsSender(st.Request.From) {
		err = &authError{http.StatusForbidden, "sender", fmt.Sprintf("token %s may not see requests of sender %s", tok.Name, st.Request.From)}
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// decodeRequest reads a JSON request strictly: unknown fields are errors,
// so a typo never silently sends something else.
func decodeRequest(body io.Reader) (Request, error) {
	var req Request
	raw, err := io.ReadAll(io.LimitReader(body, maxBody+1))
	if err != nil {
		return req, invalid("body", "reading it: %v", err)
	}
	if len(raw) > maxBody {
		return req, invalid("body", "larger than %d bytes", maxBody)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return req, invalid("body", "not a JSON request: %v", err)
	}
	if dec.More() {
		return req, invalid("body", "more than one JSON value")
	}
	return req, nil
}

// statusOf is the one place gateway errors become HTTP statuses.
func statusOf(err error) int {
	var ae *authError
	var busy *BusyError
	var rev *RevertError
	switch {
	case errors.As(err, &ae):
		return ae.status
	case errors.As(err, &busy):
		return http.StatusTooManyRequests
	case errors.As(err, &rev), errors.Is(err, chaintap.ErrRefused):
		return http.StatusUnprocessableEntity
	case errors.Is(err, chaintap.ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, chaintap.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, errStopped), errors.Is(err, ErrStarting):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

func (s *Service) writeError(w http.ResponseWriter, err error) {
	status := statusOf(err)
	body := map[string]string{"error": err.Error()}
	var ae *authError
	var rev *RevertError
	switch {
	case errors.As(err, &ae):
		s.metrics.refusals.WithLabelValues(ae.reason).Inc()
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="chaintap gateway"`)
		}
	case errors.As(err, &rev):
		body["revert_reason"] = rev.Reason
	case status == http.StatusTooManyRequests:
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(s.cfg.PollInterval.Seconds()*2))))
	case status == http.StatusInternalServerError:
		s.log.Error("gateway: request failed", "err", err)
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
