// Package fanout hands values to every current subscriber without ever
// blocking the sender: live views (the battery table, the recent blocks)
// broadcast their changes through it to the page's event streams.
package fanout

import "sync"

// Hub broadcasts values of type T. The zero value is ready to use, and a
// Hub is safe for concurrent use.
type Hub[T any] struct {
	mu   sync.Mutex
	subs map[chan T]struct{}
}

// Subscribe returns a channel that receives what is sent from now on,
// buffered by buf values, and the function that ends the subscription.
// A subscriber that falls more than buf values behind misses values.
func (h *Hub[T]) Subscribe(buf int) (<-chan T, func()) {
	ch := make(chan T, buf)
	h.mu.Lock()
	if h.subs == nil {
		h.subs = map[chan T]struct{}{}
	}
	h.subs[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs, ch)
		h.mu.Unlock()
	}
}

// Send offers v to every subscriber; a full subscriber misses it, so a
// slow reader never blocks the sender.
func (h *Hub[T]) Send(v T) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs {
		select {
		case ch <- v:
		default:
		}
	}
}
