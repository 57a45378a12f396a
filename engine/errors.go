package engine

import (
	"errors"
	"fmt"
)

// ProcessError is a processor's error: it stops the query (and Run), and
// names the record that caused it. Callers branch on it with errors.As,
// say to tell a bad query from a broken broker.
type ProcessError struct {
	Query     string
	Topic     string
	Partition int32
	Offset    int64
	Err       error
}

func (e *ProcessError) Error() string {
	return fmt.Sprintf("query %s partition %d: processing %s offset %d: %v", e.Query, e.Partition, e.Topic, e.Offset, e.Err)
}

func (e *ProcessError) Unwrap() error { return e.Err }

// ErrFenced reports that another instance with the same InstanceID took
// over a query's group membership or transactional ID: two processes
// were started with one identity. It is wrapped with the query.
var ErrFenced = errors.New("fenced by another instance with the same instance ID")
