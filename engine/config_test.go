package engine

import (
	"testing"
	"time"

	"github.com/chaintap/chaintap/kafka"
)

// TestHeartbeatFollowsAShortSession: a session shortened below 9s (so that
// a crashed instance's partitions move sooner) brings the heartbeat down
// to a third of it, unless the heartbeat is set; the defaults stay 45s/3s.
func TestHeartbeatFollowsAShortSession(t *testing.T) {
	for _, c := range []struct {
		session, heartbeat         time.Duration
		wantSession, wantHeartbeat time.Duration
	}{
		{0, 0, 45 * time.Second, 3 * time.Second},
		{6 * time.Second, 0, 6 * time.Second, 2 * time.Second},
		{30 * time.Second, 0, 30 * time.Second, 3 * time.Second},
		{6 * time.Second, 500 * time.Millisecond, 6 * time.Second, 500 * time.Millisecond},
	} {
		cfg, err := Config{Kafka: kafka.Config{Brokers: []string{"localhost:9092"}}, DataDir: t.TempDir(), InstanceID: "a",
			SessionTimeout: c.session, HeartbeatInterval: c.heartbeat}.withDefaults()
		if err != nil {
			t.Fatal(err)
		}
		if cfg.SessionTimeout != c.wantSession || cfg.HeartbeatInterval != c.wantHeartbeat {
			t.Errorf("session %s, heartbeat %s: got %s and %s, want %s and %s",
				c.session, c.heartbeat, cfg.SessionTimeout, cfg.HeartbeatInterval, c.wantSession, c.wantHeartbeat)
		}
	}
}
