// Package resume runs a connector's sessions again after outages: the
// PostgreSQL source and sink each work in sessions (connect, resume from
// their stored position, work until something fails), and an outage of
// PostgreSQL or Kafka only ends a session.
package resume

import (
	"context"
	"math/rand/v2"
	"time"
)

// Policy says which errors end the connector and how long to wait between
// sessions.
type Policy struct {
	// Retryable reports whether a session's error is an outage a later
	// session may get past; any other error is returned by Run.
	Retryable func(error) bool
	// Initial and Max bound the backoff: it doubles per failed session,
	// with jitter (half of it random, so that instances restarted together
	// spread out), and starts over after a session that lasted a minute.
	Initial, Max time.Duration
	// OnRetry is called before each wait (metrics, a log line).
	OnRetry func(wait time.Duration, err error)
}

// Run runs session until ctx is done (it returns nil) or a session fails
// with an error Retryable refuses (returned as is).
func (p Policy) Run(ctx context.Context, session func(context.Context) error) error {
	for attempt := 1; ; attempt++ {
		started := time.Now()
		err := session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if !p.Retryable(err) {
			return err
		}
		if time.Since(started) > time.Minute {
			attempt = 1 // a long healthy session: start the backoff over
		}
		d := p.backoff(attempt)
		if p.OnRetry != nil {
			p.OnRetry(d, err)
		}
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

func (p Policy) backoff(attempt int) time.Duration {
	d := p.Initial << min(attempt-1, 20)
	if d <= 0 || d > p.Max {
		d = p.Max
	}
	return d/2 + rand.N(d/2+1)
}
