// Package retry is the one retry loop of the chain sources (evm, btc):
// the classes of failure and what each may cost, backoff with jitter.
// Each source sorts its own client's errors into the classes.
package retry

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/chaintap/chaintap/internal/wait"
)

// Policy bounds how a source retries. Transport failures (refused or
// dropped connections, timeouts, HTTP 429 and 5xx) are retried until ctx
// is done, because a node that comes back must find the follower still
// there; answers that are wrong rather than absent are retried a bounded
// number of times, then reported.
type Policy struct {
	Initial time.Duration // first backoff
	Max     time.Duration // backoff cap
	// NotFound bounds retries of "not found" for a block the node
	// announced (a lagging replica behind a load balancer).
	NotFound int
	// Wrong bounds retries of malformed or inconsistent answers and of
	// node errors that are not known to be permanent.
	Wrong int
}

// Default is the policy used when none is configured.
var Default = Policy{Initial: 100 * time.Millisecond, Max: 10 * time.Second, NotFound: 8, Wrong: 5}

// Class is what a failure may cost in retries.
type Class int

const (
	Transient Class = iota // retry until ctx is done
	Wrong                  // retry up to Policy.Wrong
	NotFound               // retry up to Policy.NotFound
	Permanent              // do not retry
)

// Classifier sorts an error into a class and a metric label.
type Classifier func(error) (Class, string)

// Do runs fn until it succeeds, ctx is done or p gives up; what names the
// operation in errors. onRetry is told of every retry (metrics, logs)
// before its backoff.
func Do(ctx context.Context, p Policy, what string, classify Classifier, onRetry func(attempt int, reason string, err error), fn func(context.Context) error) error {
	// Each bound counts the failures of its own class: a wrong answer
	// after a run of HTTP 429s is the first wrong answer, not the sixth.
	var failures [Permanent + 1]int
	for attempt := 1; ; attempt++ {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
		class, reason := classify(err)
		failures[class]++
		limit, kind := 0, ""
		switch class {
		case Permanent:
			return fmt.Errorf("%s: %w", what, err)
		case Wrong:
			limit, kind = p.Wrong, "wrong answers"
		case NotFound:
			limit, kind = p.NotFound, "not found"
		}
		if limit > 0 && failures[class] >= limit {
			return fmt.Errorf("%s: giving up after %d attempts (%d %s): %w", what, attempt, failures[class], kind, err)
		}
		onRetry(attempt, reason, err)
		if err := wait.Sleep(ctx, p.Backoff(attempt)); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
}

// Backoff is exponential with full jitter, capped at Max.
func (p Policy) Backoff(attempt int) time.Duration {
	d := p.Initial << min(attempt-1, 20)
	if d <= 0 || d > p.Max {
		d = p.Max
	}
	return d/2 + rand.N(d/2+1)
}
