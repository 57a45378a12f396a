package main

import (
	"os/exec"
	"syscall"
)

// dieWithTest has the kernel kill cmd when the test binary dies (a test
// timeout's panic, a SIGQUIT): no cleanup runs then, and an orphaned
// instance would go on retrying the dead broker forever.
func dieWithTest(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
