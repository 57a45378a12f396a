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

// benchNodes are the benchnode processes this process started, one per
// command line, each started on first use and living until this process
// exits (a benchnode ends when its stdin closes).
var benchNodes = &nodeSet{running: map[string]*node{}}

// nodeSet starts benchnode processes and keeps them.
type nodeSet struct {
	mu      sync.Mutex
	running map[string]*node
}

// node is a benchnode process. Its stdin is held open (reachable from
// here, so no finalizer closes it) until this process exits.
type node struct {
	addr  string // what it printed: a JSON-RPC URL or a broker's host:port
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// pid is the node's process id.
func (n *node) pid() int { return n.cmd.Process.Pid }

// get returns the node started with args (and under taskset -c cpu when
// cpu >= 0), starting it the first time.
func (s *nodeSet) get(cpu int, args ...string) (*node, error) {
	key := fmt.Sprint(cpu, args)
	s.mu.Lock()
	defer s.mu.Unlock()
	if n, ok := s.running[key]; ok {
		return n, nil
	}
	n, err := startNode(cpu, args...)
	if err != nil {
		return nil, err
	}
	s.running[key] = n
	return n, nil
}

// startNode builds cmd benchnode and starts it with args, pinned to cpu
// with taskset when cpu >= 0 (the whole process: every thread it will
// start inherits the mask). It returns once the node printed its address.
func startNode(cpu int, args ...string) (*node, error) {
	dir, err := os.MkdirTemp("", "chaintap-benchnode-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir) // the running process keeps its file
	bin := filepath.Join(dir, "benchnode")
	if out, err := exec.Command("go", "build", "-o", bin, "./benchnode").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("building benchnode: %w\n%s", err, out)
	}
	cmd := exec.Command(bin, args...)
	if cpu >= 0 {
		cmd = exec.Command("taskset", append([]string{"-c", fmt.Sprint(cpu), bin}, args...)...)
	}
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
		return nil, fmt.Errorf("starting benchnode %v: %w", args, err)
	}
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("benchnode %v did not print its address: %w", args, err)
	}
	return &node{addr: strings.TrimSpace(addr), cmd: cmd, stdin: stdin}, nil
}

// nodeForBench is the small benchmark chain's node, on any core.
func nodeForBench(b *testing.B) string {
	b.Helper()
	n, err := benchNodes.get(-1)
	if err != nil {
		b.Fatal(err)
	}
	return n.addr
}

// nodeCore is the core the pinned benchmarks give the node; ourCore is
// the one they keep for this process (the follower, the embedded broker,
// the raw clients).
const (
	nodeCore = 0
	ourCore  = 1
)

// pinnedNode is the node of chain ("small" or "mainnet") on nodeCore.
func pinnedNode(b *testing.B, chain string) *node {
	b.Helper()
	n, err := benchNodes.get(nodeCore, "-chain", chain)
	if err != nil {
		b.Fatal(err)
	}
	return n
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

// inTurn runs sides one after another, each on a collected heap, starting
// with side pair mod len(sides): over len(sides) pairs each side goes
// first once, so none always runs on a warmer process.
func inTurn(pair int, sides ...func()) {
	for i := range sides {
		runtime.GC()
		sides[(pair+i)%len(sides)]()
	}
}
