// Command benchnode serves a benchmark chain over JSON-RPC from a process
// of its own, as a local node runs beside chaintap: its CPU time and its
// heap are its own, so neither side's garbage collector marks the other's
// memory (and it can be pinned to a core of its own with taskset). It
// prints its address as the first line of standard output once it
// serves, and exits when standard input is closed (when the benchmark
// that started it ends, however it ends).
//
// Modes:
//
//	benchnode [-chain small|mainnet]      a geth devchain: bench.BuildChain or bench.BuildMainnetChain
//	benchnode -replay URL -head N         a replay node: the blocks of the node at URL, repeated up to height N
//	benchnode -broker [-retain-bytes N]   an embedded Kafka broker (kfake), its address
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"

	"github.com/chaintap/chaintap/bench"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/kafka"
)

func main() {
	chain := flag.String("chain", "small", "the chain to build and serve: small or mainnet")
	replay := flag.String("replay", "", "serve a replay of the blocks of the node at this URL")
	head := flag.Uint64("head", 100_000, "with -replay: the head height")
	broker := flag.Bool("broker", false, "serve an embedded Kafka broker instead of a chain")
	retain := flag.Int64("retain-bytes", 0, "with -broker: keep at most this many bytes per partition (0: all)")
	flag.Parse()
	if err := run(context.Background(), *chain, *replay, *head, *broker, *retain); err != nil {
		fmt.Fprintln(os.Stderr, "benchnode:", err)
		os.Exit(1)
	}
}

// run serves until standard input closes.
func run(ctx context.Context, chain, replay string, head uint64, broker bool, retain int64) error {
	switch {
	case broker && retain > 0:
		c, err := retainingBroker(retain)
		if err != nil {
			return err
		}
		defer c.Close()
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		defer wg.Wait()
		defer cancel()
		wg.Go(func() { applyRetention(ctx, c) })
		fmt.Println(c.ListenAddrs()[0])
	case broker:
		br, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
		if err != nil {
			return err
		}
		defer br.Close()
		fmt.Println(br.Addr())
	case replay != "":
		r, err := devchain.StartReplay(ctx, devchain.ReplayConfig{Addr: "127.0.0.1:0", From: replay, Head: head})
		if err != nil {
			return err
		}
		defer r.Close()
		fmt.Println(r.URL())
	default:
		build := bench.BuildChain
		switch chain {
		case "small":
		case "mainnet":
			build = bench.BuildMainnetChain
		default:
			return fmt.Errorf("unknown chain %q (small or mainnet)", chain)
		}
		c, err := build(ctx, "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer c.Close()
		fmt.Println(c.HTTPURL())
	}
	_, _ = io.Copy(io.Discard, os.Stdin)
	return nil
}

// retainingBroker is the embedded broker (kafka.StartBroker's kfake)
// with a retention of retain bytes per partition (applyRetention enforces
// it): kfake keeps every record in memory, and a long backfill's records
// (≈0.7 MB per mainnet-shaped block, both views) would not fit.
func retainingBroker(retain int64) (*kfake.Cluster, error) {
	c, err := kfake.NewCluster(
		kfake.NumBrokers(1),
		kfake.Ports(0),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) { return net.Listen(network, "127.0.0.1:0") }),
		kfake.BrokerConfigs(map[string]string{"log.retention.bytes": strconv.FormatInt(retain, 10)}),
	)
	if err != nil {
		return nil, fmt.Errorf("starting the broker: %w", err)
	}
	return c, nil
}

// applyRetention deletes what is beyond the retention every 2 s until ctx
// is done. kfake runs its own cleaner only for topics with a retention or
// compaction setting of their own, which ours lack.
func applyRetention(ctx context.Context, c *kfake.Cluster) {
	tick := time.NewTicker(2 * time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			c.ApplyRetention()
		}
	}
}
