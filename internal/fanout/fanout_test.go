package fanout

import "testing"

// TestHub: every subscriber gets what is sent while it is subscribed; a
// full one misses values instead of blocking Send; an ended one gets
// nothing more.
func TestHub(t *testing.T) {
	var h Hub[int]
	a, stopA := h.Subscribe(1)
	b, stopB := h.Subscribe(4)
	defer stopB()
	h.Send(1)
	h.Send(2) // a is full: it misses 2
	if got := <-a; got != 1 {
		t.Fatalf("a got %d, want 1", got)
	}
	stopA()
	h.Send(3)
	select {
	case v := <-a:
		t.Fatalf("an ended subscription got %d", v)
	default:
	}
	for _, want := range []int{1, 2, 3} {
		if got := <-b; got != want {
			t.Fatalf("b got %d, want %d", got, want)
		}
	}
}
