package pgsource

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/twmb/franz-go/pkg/kerr"
)

// SlotMissingError is a source whose position says its snapshot was
// published, started without its replication slot: someone dropped it, so
// the changes made since the position may be gone from the WAL. The
// source stops instead of leaving a silent gap.
type SlotMissingError struct {
	Slot string
	LSN  string // the position published to Kafka
}

func (e *SlotMissingError) Error() string {
	return fmt.Sprintf("replication slot %s is missing (dropped?), but this source has published up to LSN %s: "+
		"changes made since then may be lost. Restart with --resnapshot to create the slot again and publish "+
		"every row's current state (upserts; rows deleted meanwhile are not tombstoned), "+
		"or use a new --name to start a new source", e.Slot, e.LSN)
}

// GapError is a slot that confirms more than the source published: the
// slot was moved on (or recreated) behind the source's back, and the
// changes between the two LSNs are not in Kafka.
type GapError struct {
	Slot                   string
	Published, SlotFlushed string
}

func (e *GapError) Error() string {
	return fmt.Sprintf("replication slot %s has confirmed LSN %s but this source published only up to %s: "+
		"the changes between them are not in Kafka. Drop the slot and restart with --resnapshot",
		e.Slot, e.SlotFlushed, e.Published)
}

// TableError is a configured table the source cannot capture.
type TableError struct {
	Table string
	Msg   string
}

func (e *TableError) Error() string { return fmt.Sprintf("table %s: %s", e.Table, e.Msg) }

// retryable reports whether err is an outage that a later attempt may get
// past (PostgreSQL or Kafka unreachable, restarting, a slot still held by
// a dead predecessor's walsender) rather than a mistake to report.
func retryable(err error) bool {
	var slot *SlotMissingError
	var gap *GapError
	var tab *TableError
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, context.Canceled):
		return false
	case errors.As(err, &slot), errors.As(err, &gap), errors.As(err, &tab):
		return false
	case errors.Is(err, kerr.ProducerFenced), errors.Is(err, kerr.InvalidProducerEpoch),
		errors.Is(err, kerr.TransactionalIDAuthorizationFailed):
		return false
	case errors.As(err, &pgErr):
		return retryablePgCode(pgErr.Code)
	}
	return true // network errors, timeouts, Kafka retriable errors
}

// retryablePgCode: connection failures (08), the server shutting down or
// starting (57P0x), resource shortage (53), an object in use (55006: the
// slot still held by a killed client's walsender), serialization
// failures (40001).
func retryablePgCode(code string) bool {
	return strings.HasPrefix(code, "08") || strings.HasPrefix(code, "57P") || strings.HasPrefix(code, "53") ||
		code == "55006" || code == "40001"
}
