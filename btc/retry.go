package btc

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"

	"github.com/chaintap/chaintap"

	"github.com/chaintap/chaintap/internal/retry"
)

// RetryPolicy bounds how a Source retries, by the EVM source's rules
// (retry.Policy: transport failures and a node still loading until ctx is
// done, wrong and absent answers a bounded number of times).
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

// Bitcoin Core's RPC error codes (btcd uses the same numbers).
const (
	rpcMisc           = -1  // btcd: "Block number out of range" among others
	rpcInvalidKey     = -5  // no such block or transaction
	rpcInvalidParam   = -8  // Core: "Block height out of range"
	rpcInWarmup       = -28 // the node is still loading
	rpcInvalidRequest = -32600
	rpcMethodNotFound = -32601
	rpcInvalidParams  = -32602
	rpcParseError     = -32700
)

// classify sorts an error into a retry class and a metric label.
func classify(err error) (errClass, string) {
	var httpErr *HTTPError
	var rpcErr *RPCError
	var netErr net.Error
	switch {
	case errors.Is(err, chaintap.ErrNotFound):
		return classNotFound, "not_found"
	case errors.Is(err, chaintap.ErrInconsistent):
		return classWrong, "inconsistent"
	case errors.Is(err, chaintap.ErrMalformed):
		return classWrong, "malformed"
	case errors.As(err, &httpErr):
		switch {
		case httpErr.StatusCode == 429:
			return classTransient, "http_429"
		case httpErr.StatusCode >= 500, httpErr.StatusCode == 408:
			return classTransient, "http_5xx"
		default: // 401 and 403 above all: wrong credentials do not heal
			return classPermanent, "http_4xx"
		}
	case errors.As(err, &rpcErr):
		switch rpcErr.Code {
		case rpcInvalidRequest, rpcMethodNotFound, rpcInvalidParams, rpcParseError:
			return classPermanent, "rpc_error"
		case rpcInWarmup:
			return classTransient, "warming_up"
		}
		return classWrong, "rpc_error"
	case errors.As(err, &netErr), errors.Is(err, context.DeadlineExceeded), connectionLost(err):
		return classTransient, "network"
	}
	return classWrong, "other"
}

// connectionLost reports a connection that broke under a call, matched by
// identity, never by text.
func connectionLost(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
}

// retry runs fn until it succeeds, ctx is done or the policy gives up;
// what names the operation in errors and logs.
func (s *Source) retry(ctx context.Context, what string, fn func(context.Context) error) error {
	return retry.Do(ctx, s.cfg.Retry, what, classify, func(attempt int, reason string, err error) {
		s.metrics.retries.WithLabelValues(s.chain, reason).Inc()
		s.log.Debug("retrying node call", "chain", s.chain, "what", what, "attempt", attempt, "reason", reason, "err", err)
	}, fn)
}
