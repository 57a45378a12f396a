package devchain_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/chaintap/chaintap/devchain"
	"github.com/chaintap/chaintap/internal/diskuse"
)

// TestDiskStaysSmall runs a persisted devchain with the demo's traffic
// (battery fleet, token, random transfers, reorgs), restarts it, and
// checks the blocks its data directory really occupies: a demo left
// running for an hour must stay in the tens of MB (geth's defaults
// preallocated ~850 MB of write-ahead log for ~400 KB of data).
func TestDiskStaysSmall(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a persisted devchain for a few hundred blocks")
	}
	dir := t.TempDir()
	for run := range 2 {
		c, err := devchain.Start(devchain.Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Second)
		fleet, err := devchain.NewFleet(ctx, c, c.Seed(), filepath.Join(dir, "fleet.addresses"))
		if err != nil {
			cancel()
			c.Close()
			t.Fatal(err)
		}
		err = c.Run(ctx, devchain.RunConfig{Interval: 20 * time.Millisecond, TxsPerBlock: 5, ReorgEvery: 40, Seed: uint64(run),
			Fleet: fleet, FleetTxsPerBlock: 3}, slog.New(slog.DiscardHandler))
		cancel()
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	const limit = 40 << 20
	if used := diskuse.Blocks(t, dir); used > limit {
		t.Fatalf("the devchain's data directory occupies %d MB on disk; the bound is %d MB", used>>20, limit>>20)
	} else {
		t.Logf("data directory occupies %.1f MB on disk", float64(used)/(1<<20))
	}
}
