// Command installbtcd builds the btcd the integration tests and
// "chaintap up --bitcoin" use (see btcdev) into its cache, so CI pays for
// it once, up front.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/chaintap/chaintap/btcdev"
)

func main() {
	bin, err := btcdev.Install(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("btcd:", bin)
}
