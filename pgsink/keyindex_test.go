package pgsink

import "testing"

// TestKeyIndexCollisions: keys that share a hash still get their own
// index, and each finds its own again.
func TestKeyIndexCollisions(t *testing.T) {
	x := newKeyIndex(0)
	var keys [][]byte
	add := func(k string, h uint64) int {
		i, known := x.find(keys, h, []byte(k), len(keys))
		if !known {
			keys = append(keys, []byte(k))
		}
		return i
	}
	a, b, c := add("a", 1), add("b", 1), add("c", 1) // one hash for all three
	d := add("d", 2)
	if a != 0 || b != 1 || c != 2 || d != 3 {
		t.Fatalf("new keys got %d %d %d %d, want 0 1 2 3", a, b, c, d)
	}
	for k, want := range map[string]int{"a": 0, "b": 1, "c": 2} {
		if i := add(k, 1); i != want {
			t.Errorf("key %s found at %d, want %d", k, i, want)
		}
	}
	if i := add("d", 2); i != 3 || len(keys) != 4 {
		t.Errorf("key d found at %d with %d keys, want 3 with 4", i, len(keys))
	}
}
