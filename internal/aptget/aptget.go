// Package aptget makes sure a Debian package's program is installed for a
// test, installing it with apt-get (as root, as on CI) when it is missing.
package aptget

import (
	"os"
	"os/exec"
	"sync"
	"testing"
)

var updated sync.Once

// Ensure returns the path of program, installing pkg when it is missing.
func Ensure(t testing.TB, program, pkg string) string {
	t.Helper()
	if p, err := exec.LookPath(program); err == nil {
		return p
	}
	updated.Do(func() {
		if out, err := exec.Command("apt-get", "update").CombinedOutput(); err != nil {
			t.Logf("apt-get update: %v\n%s", err, out)
		}
	})
	cmd := exec.Command("apt-get", "install", "-y", "--no-install-recommends", pkg)
	cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s is not installed and apt-get install %s failed: %v\n%s", program, pkg, err, out)
	}
	p, err := exec.LookPath(program)
	if err != nil {
		t.Fatalf("apt-get installed %s but %s is not on PATH", pkg, program)
	}
	return p
}
