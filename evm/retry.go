package evm

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/ethereum/go-ethereum/rpc"
	"github.com/gorilla/websocket"

	"github.com/chaintap/chaintap"

	"github.com/chaintap/chaintap/internal/retry"
)

// RetryPolicy bounds how a Source retries (retry.Policy: transport
// failures until ctx is done, wrong and absent answers a bounded number
// of times).
type RetryPolicy = retry.Policy

// DefaultRetry is the policy used when none is configured.
var DefaultRetry = retry.Default

type errClass = retry.Class

const (
	classTransient = retry.Transient
	classWrong     = retry.Wrong
	classNotFound  = retry.NotFound
	classPermanent = retry.Permanent
)

// classify sorts an error into a retry class and a metric label.
func classify(err error) (errClass, string) {
	var httpErr rpc.HTTPError
	var rpcErr rpc.Error
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.Is(err, chaintap.ErrNotFound):
		return classNotFound, "not_found"
	case errors.Is(err, chaintap.ErrInconsistent):
		return classWrong, "inconsistent"
	case errors.Is(err, chaintap.ErrMalformed), errors.As(err, &syntaxErr), errors.As(err, &typeErr):
		return classWrong, "malformed"
	case errors.As(err, &httpErr):
		return retry.HTTPStatus(httpErr.StatusCode)
	case errors.As(err, &rpcErr):
		switch rpcErr.ErrorCode() {
		case -32600, -32601, -32602: // invalid request, no such method, invalid params
			return classPermanent, "rpc_error"
		case -32005: // limit exceeded
			return classTransient, "rate_limited"
		}
		return classWrong, "rpc_error"
	case retry.NetworkFailure(err), connectionClosed(err):
		return classTransient, "network"
	}
	// Anything else, go-ethereum's unexported "client reconnected" among
	// them, is retried a bounded number of times.
	return classWrong, "other"
}

// connectionClosed reports a WebSocket connection the node closed under
// a call (the transport failures common to every node are
// retry.NetworkFailure's).
func connectionClosed(err error) bool {
	var closeErr *websocket.CloseError
	return errors.As(err, &closeErr)
}

// retry runs fn until it succeeds, ctx is done or the policy gives up;
// what names the operation in errors and logs.
func (s *Source) retry(ctx context.Context, what string, fn func(context.Context) error) error {
	return retry.Do(ctx, s.cfg.Retry, what, classify, func(attempt int, reason string, err error) {
		s.metrics.retries.WithLabelValues(s.chain, reason).Inc()
		s.log.Debug("retrying node call", "chain", s.chain, "what", what, "attempt", attempt, "reason", reason, "err", err)
	}, fn)
}
