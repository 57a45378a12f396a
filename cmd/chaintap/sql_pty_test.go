package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/chaintap/chaintap/internal/ksqltest"
)

// ptyShell is `chaintap sql` running on a pseudo-terminal, as a user
// would run it.
type ptyShell struct {
	t    *testing.T
	tty  *os.File
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	seen int // how much of out expect has consumed
	done chan error
}

func startPtyShell(t *testing.T, url string) *ptyShell {
	t.Helper()
	cmd := exec.Command(binary(t), "sql", "--server", url)
	cmd.Env = []string{"HOME=" + t.TempDir(), "TERM=xterm", "PATH=" + os.Getenv("PATH")}
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 40, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	s := &ptyShell{t: t, tty: tty, cmd: cmd, done: make(chan error, 1)}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			s.mu.Lock()
			s.out.Write(buf[:n])
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	go func() { s.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-copied
		tty.Close()
		// SHELL_TEST_SHOW=1 shows it on success too, to see what a user sees.
		if t.Failed() || os.Getenv("SHELL_TEST_SHOW") != "" {
			t.Logf("the terminal showed:\n%s", s.output())
		}
	})
	return s
}

func (s *ptyShell) output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.String()
}

// send types text.
func (s *ptyShell) send(text string) {
	s.t.Helper()
	if _, err := io.WriteString(s.tty, text); err != nil {
		s.t.Fatal(err)
	}
}

// expect waits until the terminal shows want after what earlier expects
// consumed, and consumes up to its end.
func (s *ptyShell) expect(want string) {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s.mu.Lock()
		i := strings.Index(s.out.String()[s.seen:], want)
		if i >= 0 {
			s.seen += i + len(want)
		}
		s.mu.Unlock()
		if i >= 0 {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("the terminal did not show %q", want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestShellTerminal drives `chaintap sql` on a pseudo-terminal against a
// real API: a pull query's table; a multi-line push query that shows a
// row inserted meanwhile and is stopped with Ctrl-C, after which the
// prompt comes back and the next statement runs; a malformed statement's
// line:column error; exit.
func TestShellTerminal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds chaintap")
	}
	url := ksqltest.Start(t, ksqltest.Readings, map[string]int32{"readings": 2}).URL
	insertAndWait(t, url, "a", "1.5")
	sh := startPtyShell(t, url)
	sh.expect("connected to " + url)
	sh.expect("chaintap> ")

	sh.send("SELECT id, n, kwh FROM totals WHERE id = 'a';\r")
	sh.expect("|ID|N|KWH|")
	sh.expect("|a |1|1.5|")
	sh.expect("Query terminated")
	sh.expect("chaintap> ")

	sh.send("SELECT id, kwh\r")
	sh.expect("        > ")
	sh.send("  FROM readings EMIT CHANGES;\r")
	sh.expect("|ID ")
	sh.expect("+\r\n") // the header's lower border: the query is running
	if code, _, errOut := sqlRun(t, url, "-e", "INSERT INTO readings (id, kwh, station) VALUES ('live', 7, 's9');"); code != 0 {
		t.Fatalf("insert: %s", errOut)
	}
	sh.expect("|live ")
	sh.send("\x03")
	sh.expect("Query terminated")
	sh.expect("chaintap> ")
	waitNoPushQuery(t, url)

	sh.send("SHOW TABLES;\r")
	sh.expect(" TOTALS     | TOTALS")
	sh.expect("chaintap> ")

	sh.send("SHOW STREAMS;\rSELECT * FROM readings WHERE;\r")
	sh.expect(" READINGS ")
	sh.expect("line 1:29: ")
	sh.expect("chaintap> ")

	sh.send("exit\r")
	select {
	case err := <-sh.done:
		if err != nil {
			t.Fatalf("exit: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the shell did not exit")
	}
}

// waitNoPushQuery waits until the server runs no push query: Ctrl-C
// ended the shell's.
func waitNoPushQuery(t *testing.T, url string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, out, _ := sqlRun(t, url, "-e", "SHOW QUERIES;")
		if !strings.Contains(out, "PUSH") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the push query still runs after Ctrl-C:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
