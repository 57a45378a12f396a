// Package freeport finds free loopback ports for the outside programs and
// servers tests start.
package freeport

import (
	"net"
	"testing"
)

// Port returns a loopback TCP port nothing listens on now. Another
// process could take it before the caller does; tests accept that race.
func Port(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
