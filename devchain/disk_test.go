package devchain_test

import (
	"context"
	"io/fs"
	"log/slog"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/chaintap/chaintap/devchain"
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
	if used := diskUsage(t, dir); used > limit {
		t.Fatalf("the devchain's data directory occupies %d MB on disk; the bound is %d MB", used>>20, limit>>20)
	} else {
		t.Logf("data directory occupies %.1f MB on disk", float64(used)/(1<<20))
	}
}

// diskUsage adds up the blocks allocated to every file under dir, as du
// does: preallocated space counts even where nothing was written yet.
func diskUsage(t *testing.T, dir string) int64 {
	t.Helper()
	var total int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			total += st.Blocks * 512
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return total
}
