package btc

import (
	"context"
	"errors"

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
	switch {
	case errors.Is(err, chaintap.ErrNotFound):
		return classNotFound, "not_found"
	case errors.Is(err, chaintap.ErrInconsistent):
		return classWrong, "inconsistent"
	case errors.Is(err, chaintap.ErrMalformed):
		return classWrong, "malformed"
	case errors.As(err, &httpErr):
		return retry.HTTPStatus(httpErr.StatusCode)
	case errors.As(err, &rpcErr):
		switch rpcErr.Code {
		case rpcInvalidRequest, rpcMethodNotFound, rpcInvalidParams, rpcParseError:
			return classPermanent, "rpc_error"
		case rpcInWarmup:
			return classTransient, "warming_up"
		}
		return classWrong, "rpc_error"
	case retry.NetworkFailure(err):
		return classTransient, "network"
	}
	return classWrong, "other"
}

// retry runs fn until it succeeds, ctx is done or the policy gives up;
// what names the operation in errors and logs.
func (s *Source) retry(ctx context.Context, what string, fn func(context.Context) error) error {
	return retry.Do(ctx, s.cfg.Retry, what, classify, func(attempt int, reason string, err error) {
		s.metrics.retries.WithLabelValues(s.chain, reason).Inc()
		s.log.Debug("retrying node call", "chain", s.chain, "what", what, "attempt", attempt, "reason", reason, "err", err)
	}, fn)
}
