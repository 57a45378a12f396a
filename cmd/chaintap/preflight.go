package main

import (
	"fmt"
	"net"
)

// checkFree reports whether addr can be listened on now, naming what it is
// for; nil when it can. It listens and closes at once: a start-up check
// that a port is free, so that a busy port is reported before anything
// starts rather than after the broker and the chain have.
func checkFree(what, addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s %s: %w", what, addr, err)
	}
	return l.Close()
}
