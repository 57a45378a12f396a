// Command benchnode serves the benchmark chain (bench.BuildChain) over
// JSON-RPC from a process of its own, as a local node runs beside
// chaintap: its CPU time and its heap are its own, so neither side's
// garbage collector marks the other's memory. It prints its HTTP URL as
// the first line of standard output once the chain is built, and exits
// when standard input is closed (when the benchmark that started it ends,
// however it ends).
package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/chaintap/chaintap/bench"
)

func main() {
	c, err := bench.BuildChain(context.Background(), "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchnode:", err)
		os.Exit(1)
	}
	defer c.Close()
	fmt.Println(c.HTTPURL())
	_, _ = io.Copy(io.Discard, os.Stdin)
}
