package bench

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// usage is a reading of the clocks a side is measured by: the wall
// clock, this process's CPU time (every thread: the follower, the
// embedded broker, the raw clients) and the node process's.
type usage struct {
	wall time.Time
	self time.Duration
	node time.Duration
}

// readUsage reads the clocks; nodePid is the node's process (0: none).
func readUsage(nodePid int) (usage, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return usage{}, fmt.Errorf("getrusage: %w", err)
	}
	u := usage{wall: time.Now(), self: time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
	if nodePid > 0 {
		n, err := processCPU(nodePid)
		if err != nil {
			return usage{}, err
		}
		u.node = n
	}
	return u, nil
}

// spent is what one side cost: wall time, our CPU time, the node's.
type spent struct{ wall, self, node time.Duration }

// cores is the number of cores this process kept busy on average.
func (s spent) cores() float64 { return s.self.Seconds() / s.wall.Seconds() }

// mustUsage is readUsage of this process alone, failing b on error.
func mustUsage(b testing.TB) usage {
	b.Helper()
	u, err := readUsage(0)
	if err != nil {
		b.Fatal(err)
	}
	return u
}

func (u usage) since(before usage) spent {
	return spent{wall: u.wall.Sub(before.wall), self: u.self - before.self, node: u.node - before.node}
}

// clockTick is Linux's USER_HZ, the unit of /proc/<pid>/stat's times:
// 100 on every architecture Go runs on.
const clockTick = 10 * time.Millisecond

// processCPU is a process's user+system CPU time, from /proc/<pid>/stat.
func processCPU(pid int) (time.Duration, error) {
	_, own, _, err := procStat(strconv.Itoa(pid))
	return own, err
}

// procStat reads /proc/<pid>/stat: the command name, the process's own
// user+system CPU time, and that of its children it has reaped.
func procStat(pid string) (comm string, own, children time.Duration, err error) {
	raw, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return "", 0, 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces;
	// the fields after it start after the last ')': state is field 3,
	// utime 14, stime 15, cutime 16, cstime 17.
	s := string(raw)
	open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
	if open < 0 || end < open {
		return "", 0, 0, fmt.Errorf("/proc/%s/stat: no command name", pid)
	}
	f := strings.Fields(s[end+1:])
	if len(f) < 15 {
		return "", 0, 0, fmt.Errorf("/proc/%s/stat: %d fields", pid, len(f))
	}
	var t [4]int64 // utime stime cutime cstime
	for i := range t {
		if t[i], err = strconv.ParseInt(f[11+i], 10, 64); err != nil {
			return "", 0, 0, fmt.Errorf("/proc/%s/stat: field %d %q", pid, 14+i, f[11+i])
		}
	}
	return s[open+1 : end], time.Duration(t[0]+t[1]) * clockTick, time.Duration(t[2]+t[3]) * clockTick, nil
}

// processRSS is a process's resident set size in bytes, from
// /proc/<pid>/status (pid 0: this process).
func processRSS(pid int) (int64, error) {
	path := "/proc/self/status"
	if pid > 0 {
		path = fmt.Sprintf("/proc/%d/status", pid)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	for line := range strings.Lines(string(raw)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				return 0, fmt.Errorf("%s: VmRSS %q", path, v)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("%s has no VmRSS", path)
}

// postgresCPU is the CPU time of every process named postgres on the
// machine (the test's server: postmaster, backends and workers), their
// reaped children's included, so a backend that exited still counts.
func postgresCPU() (time.Duration, error) {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	var total time.Duration
	for _, d := range dirs {
		if _, err := strconv.Atoi(d.Name()); err != nil {
			continue
		}
		comm, own, children, err := procStat(d.Name())
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			continue // exited meanwhile: its stat could not be read
		}
		if err != nil {
			return 0, err
		}
		if comm == "postgres" {
			total += own + children
		}
	}
	return total, nil
}
