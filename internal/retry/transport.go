package retry

import (
	"context"
	"errors"
	"io"
	"net"
	"syscall"
)

// HTTPStatus classifies a node's HTTP answer that is not a success: too
// many requests and server-side failures heal, anything else the client
// sent wrong (401 and 403 above all: wrong credentials) does not.
func HTTPStatus(code int) (Class, string) {
	switch {
	case code == 429:
		return Transient, "http_429"
	case code >= 500, code == 408:
		return Transient, "http_5xx"
	default:
		return Permanent, "http_4xx"
	}
}

// NetworkFailure reports a call that failed in the network: a net.Error,
// a deadline, or a connection that broke under it (the errors the net,
// io and syscall packages return for it), matched by identity and type,
// never by text.
func NetworkFailure(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
}
