package engine

import (
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestStoreDiskStaysSmall: a task's store preallocates no write-ahead log
// (the changelog is the durable copy), so 1 MB of state occupies about
// that, not the tens of MB of a log file sized to the memtable; and a
// clean close keeps it (it is flushed).
func TestStoreDiskStaysSmall(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	st, err := openStore(dir, testLog(), nil)
	if err != nil {
		t.Fatal(err)
	}
	value := strings.Repeat("v", 1000)
	for i := range 1000 {
		set(t, st, fmt.Sprint("k", i), value)
	}
	set(t, st, "b", "2")
	if err := st.applyCommitted(7); err != nil {
		t.Fatal(err)
	}
	if used := blocksUnder(t, dir); used > 4<<20 {
		t.Fatalf("an open store holding 1 MB occupies %d MB on disk", used>>20)
	} else {
		t.Logf("an open store holding 1 MB occupies %d KB on disk", used>>10)
	}
	if err := st.close(); err != nil {
		t.Fatal(err)
	}
	st, err = openStore(dir, testLog(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	if v, ok, err := st.Get([]byte("b")); err != nil || !ok || string(v) != "2" || st.meta.next != 7 {
		t.Fatalf("after a clean close: b=%q %v %v, changelog offset %d", v, ok, err, st.meta.next)
	}
}

// blocksUnder adds up the disk blocks of the files under dir, as du does.
func blocksUnder(t *testing.T, dir string) int64 {
	t.Helper()
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			if st, ok := info.Sys().(*syscall.Stat_t); ok {
				total += st.Blocks * 512
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return total
}
