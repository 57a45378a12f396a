package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestStoreWritesNothingForKeysBornAndDeleted: a key a transaction read
// as missing, then set and deleted, writes neither a changelog record nor
// Pebble; a delete of a key Pebble holds, read or not, still writes a
// tombstone; and a transaction that only read misses has nothing to apply.
func TestStoreWritesNothingForKeysBornAndDeleted(t *testing.T) {
	st, err := openStore(t.TempDir(), testLog(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	set(t, st, "kept", "1", "gone", "2", "unread", "3")
	if err := st.applyCommitted(1); err != nil {
		t.Fatal(err)
	}

	get(t, st, "born", "")    // a miss: Pebble does not hold it
	set(t, st, "born", "x")   // remembered…
	del(t, st, "born")        // …and dropped in the same transaction
	get(t, st, "missed", "")  // a miss only
	get(t, st, "gone", "2")   // a hit
	del(t, st, "gone")        // a tombstone
	del(t, st, "unread")      // a tombstone, though never read
	get(t, st, "new", "")     // a miss, then a value
	set(t, st, "new", "n")    //
	set(t, st, "nothing", "") // set unread: written
	if got, want := changelog(st), "gone=<nil> new=n nothing= unread=<nil>"; got != want {
		t.Errorf("changelog records %q, want %q", got, want)
	}
	if got, want := ranged(t, st, nil, nil), "kept=1 new=n nothing="; got != want {
		t.Errorf("Range %q, want %q", got, want)
	}
	if err := st.applyCommitted(5); err != nil {
		t.Fatal(err)
	}
	if got, want := ranged(t, st, nil, nil), "kept=1 new=n nothing="; got != want {
		t.Errorf("committed %q, want %q", got, want)
	}
	n := 0
	it, err := st.db.NewIter(nil)
	if err != nil {
		t.Fatal(err)
	}
	for valid := it.First(); valid; valid = it.Next() {
		n++
	}
	it.Close()
	if n != 4 { // the meta key and three
		t.Errorf("Pebble holds %d keys, want 4", n)
	}

	get(t, st, "born", "")
	get(t, st, "other", "")
	if st.dirty() {
		t.Errorf("a transaction that only read misses is dirty: %q", changelog(st))
	}

	// A key Range listed before it was dropped (so the sorted keys hold
	// it) still writes nothing, and nothing of it is listed.
	set(t, st, "born", "y")
	if got, want := ranged(t, st, nil, nil), "born=y kept=1 new=n nothing="; got != want {
		t.Errorf("Range %q, want %q", got, want)
	}
	del(t, st, "born")
	if got, want := ranged(t, st, nil, nil), "kept=1 new=n nothing="; got != want {
		t.Errorf("Range %q, want %q", got, want)
	}
	if st.dirty() {
		t.Errorf("dirty with only a key born and dropped: %q", changelog(st))
	}
}

func get(t *testing.T, st *store, k, want string) {
	t.Helper()
	v, ok, err := st.Get([]byte(k))
	if err != nil || string(v) != want || ok != (want != "") {
		t.Fatalf("Get(%s) = %q, %v, %v; want %q", k, v, ok, err, want)
	}
}

func del(t *testing.T, st *store, k string) {
	t.Helper()
	if err := st.Delete([]byte(k)); err != nil {
		t.Fatal(err)
	}
}

func changelog(st *store) string {
	var out []string
	for _, r := range st.changelogRecords("cl", 0) {
		out = append(out, fmt.Sprintf("%s=%s", r.Key, show(r)))
	}
	return strings.Join(out, " ")
}

func show(r *kgo.Record) string {
	if r.Value == nil {
		return "<nil>"
	}
	return string(r.Value)
}
