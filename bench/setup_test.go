package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// benchNode is the benchmark chain served by cmd benchnode, in a process
// of its own, as a local node is: the URL of its JSON-RPC over HTTP. The
// process lives until this one exits (it ends when its stdin closes).
var benchNode = sync.OnceValues(func() (*node, error) {
	bin := filepath.Join(os.TempDir(), fmt.Sprintf("chaintap-benchnode-%d", os.Getpid()))
	if out, err := exec.Command("go", "build", "-o", bin, "./benchnode").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building benchnode: %w\n%s", err, out)
	}
	cmd := exec.Command(bin)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	url, err := bufio.NewReader(stdout).ReadString('\n')
	_ = os.Remove(bin) // the running process keeps its file
	if err != nil {
		return nil, fmt.Errorf("benchnode did not print its URL: %w", err)
	}
	return &node{url: strings.TrimSpace(url), cmd: cmd, stdin: stdin}, nil
})

// node is the benchnode process. Its stdin is held open (reachable from
// here, so no finalizer closes it) until this process exits.
type node struct {
	url   string
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

func nodeForBench(b *testing.B) string {
	b.Helper()
	n, err := benchNode()
	if err != nil {
		b.Fatal(err)
	}
	return n.url
}

// sideBySide runs the two sides of one pair. The order alternates from
// pair to pair, and each side starts on a collected heap, so neither side
// pays for the other's garbage or always runs on a warmer (or more
// fragmented) process.
func sideBySide(pair int, raw, ours func()) {
	first, second := raw, ours
	if pair%2 == 1 {
		first, second = ours, raw
	}
	runtime.GC()
	first()
	runtime.GC()
	second()
}
