package resume

import (
	"context"
	"errors"
	"testing"
	"time"
)

var errOutage = errors.New("outage")

// TestRunRetriesOutagesOnly: outages run the session again, with growing
// waits bounded by Max; another error ends Run with that error.
func TestRunRetriesOutagesOnly(t *testing.T) {
	fatal := errors.New("bad table")
	var waits []time.Duration
	p := Policy{Retryable: func(err error) bool { return errors.Is(err, errOutage) }, Initial: time.Millisecond, Max: 4 * time.Millisecond,
		OnRetry: func(d time.Duration, _ error) { waits = append(waits, d) }}
	n := 0
	err := p.Run(context.Background(), func(context.Context) error {
		n++
		if n < 5 {
			return errOutage
		}
		return fatal
	})
	if !errors.Is(err, fatal) || n != 5 || len(waits) != 4 {
		t.Fatalf("err %v after %d sessions, %d waits", err, n, len(waits))
	}
	for i, d := range waits {
		if hi := min(time.Millisecond<<i, 4*time.Millisecond); d < hi/2 || d > hi {
			t.Errorf("wait %d: %s, want between %s and %s", i, d, hi/2, hi)
		}
	}
}

// TestRunStopsWithCtx: a done ctx ends Run with nil, also mid-wait.
func TestRunStopsWithCtx(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	p := Policy{Retryable: func(error) bool { return true }, Initial: time.Hour, Max: time.Hour,
		OnRetry: func(time.Duration, error) { cancel() }}
	if err := p.Run(ctx, func(context.Context) error { return errOutage }); err != nil {
		t.Fatal(err)
	}
}
