package gateway

import (
	"errors"
	"fmt"
	"strings"

	"github.com/chaintap/chaintap"
)

// InvalidError is a request the gateway refuses before it assigns a nonce:
// nothing is persisted and nothing is sent. It wraps chaintap.ErrInvalid.
type InvalidError struct {
	Field  string // what was wrong ("method", "args[1]", "from", …)
	Reason string
}

func (e *InvalidError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return e.Field + ": " + e.Reason
}

func (e *InvalidError) Unwrap() error { return chaintap.ErrInvalid }

func invalid(field, format string, args ...any) error {
	return &InvalidError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// RevertError is a request the chain would refuse: estimating its gas
// reverted. Reason is the contract's reason, decoded. Nothing is sent. It
// wraps chaintap.ErrRefused.
type RevertError struct {
	Reason string
}

func (e *RevertError) Error() string { return "the chain refuses it: execution reverted: " + e.Reason }

func (e *RevertError) Unwrap() error { return chaintap.ErrRefused }

// NodeRefusedError is a request the node refuses at estimation for another
// reason than a revert (not enough funds, say). Nothing is sent. It wraps
// chaintap.ErrRefused.
type NodeRefusedError struct {
	Message string
}

func (e *NodeRefusedError) Error() string { return "the node refuses it: " + e.Message }

func (e *NodeRefusedError) Unwrap() error { return chaintap.ErrRefused }

// BusyError is a request refused because its sender's queue is full; the
// caller should retry after RetryAfter.
type BusyError struct {
	Sender string
	Queued int
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("sender %s has %d requests queued, the most allowed: retry later", e.Sender, e.Queued)
}

// ErrUnknownRequest is the answer for a request id the gateway never accepted.
var ErrUnknownRequest = fmt.Errorf("no such request: %w", chaintap.ErrNotFound)

// ErrStarting is the answer to Get before the gateway has loaded its state.
var ErrStarting = errors.New("the gateway is starting: its state is not loaded yet")

// errStopped is returned to callers waiting on a stopping service.
var errStopped = errors.New("the gateway is stopping")

func contains(err error, s string) bool {
	return err != nil && strings.Contains(strings.ToLower(err.Error()), s)
}
