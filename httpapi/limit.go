package httpapi

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/chaintap/chaintap"
)

// MaxLimit is the most items a list endpoint returns, and what it returns
// without ?limit=.
const MaxLimit = 1000

// limitOf reads ?limit=N: a whole number from 1 to MaxLimit; MaxLimit when
// absent. Anything else is chaintap.ErrInvalid naming the parameter.
func limitOf(r *http.Request) (int, error) {
	q := r.URL.Query()
	if !q.Has("limit") {
		return MaxLimit, nil
	}
	v := q.Get("limit")
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > MaxLimit {
		return 0, fmt.Errorf("%w: limit=%q: want a whole number from 1 to %d", chaintap.ErrInvalid, v, MaxLimit)
	}
	return n, nil
}

// first is at most n of items.
func first[T any](items []T, n int) []T {
	return items[:min(n, len(items))]
}
