package engine

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chaintap/chaintap/internal/diskuse"
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
	if used := diskuse.Blocks(t, dir); used > 4<<20 {
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
