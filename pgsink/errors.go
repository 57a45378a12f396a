package pgsink

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// RecordError is a record the sink cannot apply (a value that does not
// decode for the columns, a key missing). The sink stops at it rather
// than skip it: the table would silently differ from the topic.
type RecordError struct {
	Topic     string
	Partition int32
	Offset    int64
	Err       error
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("record %s/%d@%d: %v", e.Topic, e.Partition, e.Offset, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// busyError: another instance of the same sink holds its lock.
type busyError struct{ sink string }

func (e *busyError) Error() string {
	return fmt.Sprintf("another instance of sink %s is running (it holds the sink's advisory lock); waiting for it to stop", e.sink)
}

// retryable reports whether err is an outage a later session may get past.
func retryable(err error) bool {
	var rec *RecordError
	var pgErr *pgconn.PgError
	switch {
	case errors.Is(err, context.Canceled), errors.As(err, &rec):
		return false
	case errors.As(err, &pgErr):
		c := pgErr.Code
		return strings.HasPrefix(c, "08") || strings.HasPrefix(c, "57P") || strings.HasPrefix(c, "53") ||
			c == "40001" || c == "40P01" ||
			c == "23505" // a row written beside the fresh-table fast path: the next session DELETEs first
	}
	return true // network errors, timeouts, Kafka, busyError
}
