package follow_test

import (
	"context"
	"math/rand/v2"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/chaintap/chaintap/kafka"
)

// TestBrokerOutage stops the broker while the chain grows and reorganises,
// and starts it again (same address, same data dir): nothing may be lost or
// repeated. franz-go retries the open transaction's records until the
// broker is back; an outage longer than the transaction timeout makes the
// commit fail, and the follower then resumes from its cursor.
func TestBrokerOutage(t *testing.T) {
	ctx := context.Background()
	cfg := reorgConfig()
	cfg.RestartBackoff = 50 * time.Millisecond
	h := newHarness(t, cfg, false)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	dir := filepath.Join(t.TempDir(), "kafka")
	broker, err := kafka.StartBroker(kafka.BrokerConfig{Addr: addr, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	h.kcfg = kafka.Config{Brokers: []string{addr}}
	rng := rand.New(rand.NewPCG(9, 9))
	grow := func(n int) {
		for range n {
			if err := h.traffic.Send(ctx, rng, 3); err != nil {
				t.Fatal(err)
			}
			h.chain.Commit()
		}
	}
	grow(50)
	h.start()
	h.waitCaughtUp()

	broker.Close()
	grow(30)
	time.Sleep(time.Second) // the follower fails to publish, backs off, retries
	if err := h.chain.Reorg(ctx, 3, 4); err != nil {
		t.Fatal(err)
	}
	h.traffic.ResetNonces()
	grow(5)
	broker, err = kafka.StartBroker(kafka.BrokerConfig{Addr: addr, DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer broker.Close()
	h.waitCaughtUp()
	h.check()
	t.Logf("restarts from the cursor: %v", testutil.ToFloat64(h.metrics.Restarts(chainName)))
}
