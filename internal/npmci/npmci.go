// Package npmci makes sure a folder's locked npm packages are installed for
// a test, running `npm ci` there (from the npm registry, as on CI) when the
// package the test needs is missing.
package npmci

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Ensure installs dir's package-lock.json with `npm ci` unless pkg is
// already in dir/node_modules.
func Ensure(t testing.TB, dir, pkg string) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", pkg)); err == nil {
		return
	}
	npm := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--silent")
	npm.Dir = dir
	if out, err := npm.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
}
