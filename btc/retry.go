package btc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"syscall"
	"time"

	"github.com/chaintap/chaintap"

	"github.com/chaintap/chaintap/internal/wait"
)

// RetryPolicy bounds how a Source retries, by the EVM source's rules:
// transport failures (refused or dropped connections, timeouts, HTTP 429
// and 5xx, a node still loading) are retried until ctx is done, because a
// node that comes back must find the follower still there; answers that
// are wrong rather than absent are retried a bounded number of times,
// then reported.
type RetryPolicy struct {
	Initial time.Duration // first backoff
	Max     time.Duration // backoff cap
	// NotFound bounds retries of "not found" for a block the node
	// announced (a lagging replica behind a load balancer).
	NotFound int
	// Wrong bounds retries of malformed or inconsistent answers and of
	// node errors that are not known to be permanent.
	Wrong int
}

// DefaultRetry is the policy used when none is configured.
var DefaultRetry = RetryPolicy{Initial: 100 * time.Millisecond, Max: 10 * time.Second, NotFound: 8, Wrong: 5}

type errClass int

const (
	classTransient errClass = iota // retry until ctx is done
	classWrong                     // retry up to RetryPolicy.Wrong
	classNotFound                  // retry up to RetryPolicy.NotFound
	classPermanent                 // do not retry
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
	// Each bound counts the failures of its own class: a wrong answer
	// after a run of HTTP 429s is the first wrong answer, not the sixth.
	var failures [classPermanent + 1]int
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
		class, reason := classify(err)
		failures[class]++
		limit, kind := 0, ""
		switch class {
		case classPermanent:
			return fmt.Errorf("%s: %w", what, err)
		case classWrong:
			limit, kind = s.cfg.Retry.Wrong, "wrong answers"
		case classNotFound:
			limit, kind = s.cfg.Retry.NotFound, "not found"
		}
		if limit > 0 && failures[class] >= limit {
			return fmt.Errorf("%s: giving up after %d attempts (%d %s): %w", what, attempt, failures[class], kind, err)
		}
		s.metrics.retries.WithLabelValues(s.chain, reason).Inc()
		s.log.Debug("retrying node call", "chain", s.chain, "what", what, "attempt", attempt, "reason", reason, "err", err)
		if err := wait.Sleep(ctx, s.backoff(attempt)); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
}

// backoff is exponential with full jitter, capped at RetryPolicy.Max.
func (s *Source) backoff(attempt int) time.Duration {
	d := s.cfg.Retry.Initial << min(attempt-1, 20)
	if d <= 0 || d > s.cfg.Retry.Max {
		d = s.cfg.Retry.Max
	}
	return d/2 + rand.N(d/2+1)
}
