package bench

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"syscall"
	"unsafe"
)

// cpuMask is a Linux CPU affinity mask (1024 CPUs).
type cpuMask [16]uint64

func setAffinity(tid int, m *cpuMask) error {
	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_SETAFFINITY, uintptr(tid), unsafe.Sizeof(*m), uintptr(unsafe.Pointer(m)))
	if errno != 0 {
		return errno
	}
	return nil
}

func getAffinity(tid int) (cpuMask, error) {
	var m cpuMask
	_, _, errno := syscall.RawSyscall(syscall.SYS_SCHED_GETAFFINITY, uintptr(tid), unsafe.Sizeof(m), uintptr(unsafe.Pointer(&m)))
	if errno != 0 {
		return m, errno
	}
	return m, nil
}

// pinProcess pins this whole process to cpu and sets GOMAXPROCS to 1, as
// `taskset -c cpu` at start would: sched_setaffinity applies to one
// thread, so it is set on every thread the process has (twice over, for a
// thread started meanwhile), and threads started later inherit it from
// their creator. restore gives back the mask and GOMAXPROCS it found, so
// that the benchmarks after it run as before.
//
// Pinning in the benchmark rather than wrapping `go test` in taskset keeps
// the pinned and the unpinned benchmarks runnable in one command, and
// makes a pinned benchmark pinned however it is started.
func pinProcess(cpu int) (restore func() error, err error) {
	before, err := getAffinity(0)
	if err != nil {
		return nil, fmt.Errorf("reading the CPU affinity: %w", err)
	}
	var m cpuMask
	m[cpu/64] |= 1 << (cpu % 64)
	procs := runtime.GOMAXPROCS(1)
	if err := setAllThreads(&m); err != nil {
		runtime.GOMAXPROCS(procs)
		_ = setAllThreads(&before)
		return nil, fmt.Errorf("pinning to CPU %d: %w", cpu, err)
	}
	return func() error {
		err := setAllThreads(&before)
		runtime.GOMAXPROCS(procs)
		return err
	}, nil
}

// setAllThreads sets m on every thread of this process.
func setAllThreads(m *cpuMask) error {
	for range 2 {
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			return err
		}
		for _, t := range tasks {
			tid, err := strconv.Atoi(t.Name())
			if err != nil {
				continue
			}
			if err := setAffinity(tid, m); err != nil && err != syscall.ESRCH { // ESRCH: the thread ended
				return fmt.Errorf("thread %d: %w", tid, err)
			}
		}
	}
	return nil
}
