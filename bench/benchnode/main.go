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
//	benchnode -broker                     an embedded Kafka broker (kfake), its address
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/chaintap/chaintap/bench"
	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/kafka"
)

func main() {
	chain := flag.String("chain", "small", "the chain to build and serve: small or mainnet")
	replay := flag.String("replay", "", "serve a replay of the blocks of the node at this URL")
	head := flag.Uint64("head", 100_000, "with -replay: the head height")
	broker := flag.Bool("broker", false, "serve an embedded Kafka broker instead of a chain")
	flag.Parse()
	if err := run(context.Background(), *chain, *replay, *head, *broker); err != nil {
		fmt.Fprintln(os.Stderr, "benchnode:", err)
		os.Exit(1)
	}
}

// run serves until standard input closes.
func run(ctx context.Context, chain, replay string, head uint64, broker bool) error {
	switch {
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
