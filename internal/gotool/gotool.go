// Package gotool builds outside programs the tests and the demo run (geth,
// btcd) from the Go module proxy with `go install`, once, into a cache:
// no prebuilt binaries are downloaded, and CI pays for each build once.
package gotool

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Tool is one program: its main package and the version to build.
type Tool struct {
	Package string // e.g. github.com/btcsuite/btcd
	Version string // e.g. v0.26.2
}

// name is the binary's name: the package path's last element.
func (t Tool) name() string { return t.Package[strings.LastIndex(t.Package, "/")+1:] }

// Path is where the cached binary lives:
// $XDG_CACHE_HOME (or ~/.cache)/chaintap/<name>-<version>/<name>.
func (t Tool) Path() (string, error) {
	dir := os.Getenv("XDG_CACHE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(home, ".cache")
	}
	return filepath.Join(dir, "chaintap", t.name()+"-"+t.Version, t.name()), nil
}

// Install builds the tool with `go install` unless it is cached already,
// and returns the binary's path.
func (t Tool) Install(ctx context.Context) (string, error) {
	bin, err := t.Path()
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	tmp, err := os.MkdirTemp("", t.name()+"-build")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, "go", "install", t.Package+"@"+t.Version)
	cmd.Dir = tmp // outside any module, so a go.mod around does not apply
	cmd.Env = append(os.Environ(), "GOBIN="+tmp, "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install %s@%s: %w\n%s", t.Package, t.Version, err, out)
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", err
	}
	if err := os.Rename(filepath.Join(tmp, t.name()), bin); err != nil {
		return "", fmt.Errorf("caching %s: %w", t.name(), err)
	}
	return bin, nil
}
