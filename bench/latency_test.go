package bench

import (
	"context"
	"math/rand/v2"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/evm"
	"github.com/chaintap/chaintap/follow"
	"github.com/chaintap/chaintap/kafka"
)

// BenchmarkLiveLatency measures, for live blocks, the time from the node
// sealing and announcing a block (newHeads over WebSocket) to the Kafka
// transaction holding its records being committed, on loopback. It
// reports p50 and p99 in milliseconds.
func BenchmarkLiveLatency(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c, err := devchain.Start(devchain.Config{Addr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	traffic, err := devchain.NewTraffic(ctx, c)
	if err != nil {
		b.Fatal(err)
	}
	br, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	kcfg := kafka.Config{Brokers: []string{br.Addr()}}
	src, err := evm.Dial(ctx, evm.Config{Chain: "live", URL: c.WSURL()}, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	pub, err := kafka.NewPublisher(ctx, kcfg, "live", nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer pub.Close()

	var mu sync.Mutex
	committed := map[uint64]time.Time{}
	f := follow.New(follow.Config{Chain: "live", Confirmations: 6}, src, pub, nil, nil)
	f.OnProgress(func(p follow.Progress) {
		mu.Lock()
		committed[p.Head] = time.Now()
		mu.Unlock()
	})
	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	time.Sleep(200 * time.Millisecond) // let the follower subscribe

	rng := rand.New(rand.NewPCG(5, 5))
	var lat []float64
	for b.Loop() {
		if err := traffic.Send(ctx, rng, 5); err != nil {
			b.Fatal(err)
		}
		c.Commit()
		sealed := time.Now()
		head, err := c.Client().BlockNumber(ctx)
		if err != nil {
			b.Fatal(err)
		}
		deadline := sealed.Add(5 * time.Second)
		for {
			mu.Lock()
			at, ok := committed[head]
			mu.Unlock()
			if ok {
				lat = append(lat, float64(at.Sub(sealed).Microseconds())/1000)
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("block %d not committed within 5s", head)
			}
			time.Sleep(100 * time.Microsecond)
		}
	}
	cancel()
	<-done
	sort.Float64s(lat)
	b.ReportMetric(lat[len(lat)/2], "p50_ms")
	b.ReportMetric(lat[min(len(lat)-1, len(lat)*99/100)], "p99_ms")
}
