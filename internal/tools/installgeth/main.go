// Command installgeth builds the geth the integration tests use (see
// internal/gethtest) into its cache, so CI pays for it once, up front.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/chaintap/chaintap/internal/gethtest"
)

func main() {
	bin, err := gethtest.Install(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("geth:", bin)
}
