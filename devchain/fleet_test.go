package devchain_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"

	"github.com/chaintap/chaintap/contracts"
	"github.com/chaintap/chaintap/devchain"
)

// TestFleet: the fleet registers its batteries, its traffic charges,
// locks and unlocks them and has some charges refused, and a second
// NewFleet on the same chain finds the registry again.
func TestFleet(t *testing.T) {
	ctx := context.Background()
	c, err := devchain.Start(devchain.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	addrFile := filepath.Join(t.TempDir(), "registry")
	f, err := devchain.NewFleet(ctx, c, c.Seed(), addrFile)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 1))
	failed, ok, transfers := 0, 0, 0
	for range 40 {
		if err := f.Step(ctx, rng, 5); err != nil {
			t.Fatal(err)
		}
		c.Commit()
		head, err := c.Client().BlockByNumber(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range head.Transactions() {
			r, err := c.Receipt(ctx, tx.Hash())
			if err != nil {
				t.Fatal(err)
			}
			if r.Status == 1 {
				ok++
				for _, l := range r.Logs {
					if l.Address == f.Token() {
						transfers++
					}
				}
			} else {
				failed++
			}
		}
	}
	if ok < 150 || failed == 0 || transfers == 0 {
		t.Fatalf("%d transactions succeeded (%d token transfers) and %d were refused; want most to succeed, token flows and some refused", ok, transfers, failed)
	}
	reg := contracts.NewBatteryRegistry()
	info, err := bind.Call(reg.Instance(c.Client(), f.Registry()), nil, reg.PackGetBattery(f.Batteries()[0]), reg.UnpackGetBattery)
	if err != nil || info.YearBuilt < 2015 || len(info.Country) != 2 {
		t.Fatalf("battery 0: %+v %v", info, err)
	}
	again, err := devchain.NewFleet(ctx, c, c.Seed(), addrFile)
	if err != nil || again.Registry() != f.Registry() || again.Token() != f.Token() {
		t.Fatalf("second NewFleet: %v, registry %s vs %s", err, again.Registry(), f.Registry())
	}
}
