package pgtest

import "syscall"

// sysProcAttr runs a program as cred. Pdeathsig stops the server when the
// test binary dies without its cleanups (a timeout panic, a kill).
func sysProcAttr(cred *syscall.Credential) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT}
}
