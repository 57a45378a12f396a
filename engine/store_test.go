package engine

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestStoreOverlay checks what a task sees of its store: reads see the
// open transaction's writes over the committed state, Range merges both in
// key order, an abort goes back to the committed state, and a commit
// survives reopening with the changelog offset it covers.
func TestStoreOverlay(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	st, err := openStore(dir, testLog(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	set(t, st, "a", "1", "b", "2", "d", "4", "f", "6")
	if err := st.applyCommitted(10); err != nil {
		t.Fatal(err)
	}

	set(t, st, "c", "3", "d", "40", "e", "5")
	if err := st.Delete([]byte("b")); err != nil {
		t.Fatal(err)
	}
	if err := st.Delete([]byte("zz")); err != nil { // never there
		t.Fatal(err)
	}
	for _, c := range []struct {
		start, end string
		noEnd      bool
		want       string
	}{
		{noEnd: true, want: "a=1 c=3 d=40 e=5 f=6"},
		{start: "b", end: "e", want: "c=3 d=40"},
		{start: "c", end: "c", want: ""},
		{start: "d", noEnd: true, want: "d=40 e=5 f=6"},
		{start: "", end: "b", want: "a=1"},
		{start: "e0", end: "f0", want: "f=6"},
		{start: "f", end: "a", want: ""},
	} {
		var end []byte
		if !c.noEnd {
			end = []byte(c.end)
		}
		if got := ranged(t, st, []byte(c.start), end); got != c.want {
			t.Errorf("Range(%q, %q) = %q, want %q", c.start, end, got, c.want)
		}
	}
	for k, want := range map[string]string{"a": "1", "b": "", "c": "3", "d": "40", "zz": ""} {
		v, ok, err := st.Get([]byte(k))
		if err != nil || string(v) != want || ok != (want != "") {
			t.Errorf("Get(%s) = %q, %v, %v; want %q", k, v, ok, err, want)
		}
	}

	var cl []string
	for _, r := range st.changelogRecords("cl", 3) {
		if r.Partition != 3 {
			t.Errorf("changelog record of %s for partition %d, want 3", r.Key, r.Partition)
		}
		cl = append(cl, fmt.Sprintf("%s=%s/%v", r.Key, r.Value, r.Value == nil))
	}
	if got, want := strings.Join(cl, " "), "b=/true c=3/false d=40/false e=5/false zz=/true"; got != want {
		t.Errorf("changelog records %q, want %q", got, want)
	}

	st.discard()
	if got, want := ranged(t, st, nil, nil), "a=1 b=2 d=4 f=6"; got != want {
		t.Errorf("after an abort: %q, want %q", got, want)
	}

	set(t, st, "c", "3")
	if err := st.Delete([]byte("a")); err != nil {
		t.Fatal(err)
	}
	if err := st.applyCommitted(17); err != nil {
		t.Fatal(err)
	}
	if err := st.close(); err != nil {
		t.Fatal(err)
	}
	st, err = openStore(dir, testLog(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ranged(t, st, nil, nil), "b=2 c=3 d=4 f=6"; got != want || st.meta.next != 17 {
		t.Errorf("reopened: %q at offset %d, want %q at 17", got, st.meta.next, want)
	}
}

// TestStoreRangeKeepsValues: what Range hands out may be kept (Set keeps
// what it is given), and writes made from within Range do not disturb it.
func TestStoreRangeKeepsValues(t *testing.T) {
	st, err := openStore(t.TempDir(), testLog(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	for i := range 100 {
		set(t, st, fmt.Sprintf("k%03d", i), strings.Repeat(fmt.Sprint(i%10), 50))
	}
	if err := st.applyCommitted(1); err != nil {
		t.Fatal(err)
	}
	var kept [][]byte
	err = st.Range(nil, nil, func(k, v []byte) error {
		kept = append(kept, v)
		// A write inside Range: a key before and one after.
		return st.Set(append([]byte("copy-"), k...), v)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(kept) != 100 {
		t.Fatalf("Range visited %d keys, want 100", len(kept))
	}
	for i, v := range kept {
		if want := strings.Repeat(fmt.Sprint(i%10), 50); string(v) != want {
			t.Fatalf("value %d kept from Range changed to %q", i, v)
		}
	}
	v, ok, _ := st.Get([]byte("copy-k042"))
	if !ok || string(v) != strings.Repeat("2", 50) {
		t.Fatalf("copy-k042 = %q, %v", v, ok)
	}
}

func set(t *testing.T, st *store, kvs ...string) {
	t.Helper()
	for i := 0; i < len(kvs); i += 2 {
		if err := st.Set([]byte(kvs[i]), []byte(kvs[i+1])); err != nil {
			t.Fatal(err)
		}
	}
}

func ranged(t *testing.T, st *store, start, end []byte) string {
	t.Helper()
	var kvs []string
	err := st.Range(start, end, func(k, v []byte) error {
		kvs = append(kvs, string(k)+"="+string(v))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.IsSorted(kvs) {
		t.Errorf("Range out of order: %v", kvs)
	}
	return strings.Join(kvs, " ")
}

// TestStaleReason: which stores restoring may complete, and which it must
// rebuild from the changelog's start.
func TestStaleReason(t *testing.T) {
	id, other := [16]byte{1}, [16]byte{2}
	cp := changelogPartition{id: id, start: 10, end: 100}
	for _, c := range []struct {
		name  string
		m     storeMeta
		stale bool
	}{
		{"fresh", storeMeta{}, false},
		{"behind", storeMeta{topicID: id, next: 50}, false},
		{"current", storeMeta{topicID: id, next: 100}, false},
		{"at the start", storeMeta{topicID: id, next: 10}, false},
		{"ahead of the changelog", storeMeta{topicID: id, next: 101}, true},
		{"before the changelog's start", storeMeta{topicID: id, next: 9}, true},
		{"another changelog", storeMeta{topicID: other, next: 50}, true},
	} {
		if got := staleReason(c.m, cp); (got != "") != c.stale {
			t.Errorf("%s: stale reason %q, want stale %v", c.name, got, c.stale)
		}
	}
}

// TestStoreWipe: a wiped store is empty and covers nothing.
func TestStoreWipe(t *testing.T) {
	st, err := openStore(filepath.Join(t.TempDir(), "s"), testLog(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	set(t, st, "a", "1")
	st.meta.topicID = [16]byte{1}
	if err := st.applyCommitted(5); err != nil {
		t.Fatal(err)
	}
	if err := st.wipe(); err != nil {
		t.Fatal(err)
	}
	if got := ranged(t, st, nil, nil); got != "" || st.meta != (storeMeta{}) {
		t.Fatalf("wiped store holds %q, meta %+v", got, st.meta)
	}
}
