package evm

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"

	"github.com/gorilla/websocket"
)

// TestClassifyByTypeNotText: a broken connection is recognised by the
// error's identity or type, however it is wrapped; an error that only
// mentions such words is not (it used to be, by matching "EOF" or
// "closed" in the text).
func TestClassifyByTypeNotText(t *testing.T) {
	for _, c := range []struct {
		name  string
		err   error
		class errClass
	}{
		{"unexpected EOF", fmt.Errorf("reading answer: %w", io.ErrUnexpectedEOF), classTransient},
		{"EOF", fmt.Errorf("reading answer: %w", io.EOF), classTransient},
		{"reset", &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, classTransient},
		{"reset, bare", fmt.Errorf("x: %w", os.NewSyscallError("write", syscall.ECONNRESET)), classTransient},
		{"broken pipe", fmt.Errorf("x: %w", syscall.EPIPE), classTransient},
		{"closed", fmt.Errorf("x: %w", net.ErrClosed), classTransient},
		{"websocket close", fmt.Errorf("x: %w", &websocket.CloseError{Code: websocket.CloseAbnormalClosure}), classTransient},
		{"only the word EOF", errors.New("node said: EOF reached in state trie"), classWrong},
		{"only the word closed", errors.New("market closed"), classWrong},
	} {
		if got, _ := classify(c.err); got != c.class {
			t.Errorf("%s: class %d, want %d", c.name, got, c.class)
		}
	}
}
