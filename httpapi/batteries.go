package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/battery"
)

var address = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)

// batteryID is the request's {id}, lower-case: ids are accepted in any
// case (checksummed or not) and always answered lower-case.
func batteryID(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !address.MatchString(id) {
		return "", fmt.Errorf("%w: %q is not a battery id; a battery id is its account address, 0x and 40 hex digits", chaintap.ErrInvalid, id)
	}
	return strings.ToLower(id), nil
}

func (s *Server) listBatteries(w http.ResponseWriter, r *http.Request) {
	limit, err := limitOf(r)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, first(s.cfg.Batteries.All(), limit))
}

func (s *Server) getBattery(w http.ResponseWriter, r *http.Request) {
	st, err := s.registered(r)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// listEvents answers a registered battery's recent events, newest first.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) {
	st, err := s.registered(r)
	if err != nil {
		writeError(w, err)
		return
	}
	limit, err := limitOf(r)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, s.cfg.Events.Latest(st.ID, limit))
}

// registered is the row of the request's battery.
func (s *Server) registered(r *http.Request) (battery.Status, error) {
	id, err := batteryID(r)
	if err != nil {
		return battery.Status{}, err
	}
	st, ok := s.cfg.Batteries.Get(id)
	if !ok {
		return battery.Status{}, fmt.Errorf("no battery %s is registered: %w", id, chaintap.ErrNotFound)
	}
	return st, nil
}

func (s *Server) setBlocked(blocked bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Locker == nil {
			writeError(w, errReadOnly)
			return
		}
		id, err := batteryID(r)
		if err != nil {
			writeError(w, err)
			return
		}
		var body struct {
			From string `json:"from"`
		}
		if r.ContentLength > 0 {
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				writeError(w, fmt.Errorf("%w: body: %v", chaintap.ErrInvalid, err))
				return
			}
		}
		ctx, cancel := context.WithTimeout(r.Context(), 30*time.Second)
		defer cancel()
		sent, err := s.cfg.Locker.SetBlocked(ctx, id, body.From, blocked)
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusAccepted, map[string]any{"id": id, "blocked": blocked,
			"request_id": sent.RequestID, "tx_hash": sent.TxHash, "block_number": sent.BlockNumber,
			"status": "mined; the table updates when the event arrives through Kafka"})
	}
}
