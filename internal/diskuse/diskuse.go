// Package diskuse measures what a directory really occupies on disk, for
// tests that bound it.
package diskuse

import (
	"io/fs"
	"path/filepath"
	"syscall"
	"testing"
)

// Blocks adds up the disk blocks allocated to every file under dir, as du
// does: space a program preallocated counts even where nothing was
// written yet.
func Blocks(t testing.TB, dir string) int64 {
	t.Helper()
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			total += st.Blocks * 512
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return total
}
