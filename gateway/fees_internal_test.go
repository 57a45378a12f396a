package gateway

import (
	"math/big"
	"testing"
)

// TestBumpedFeesAreEnoughForAReplacement: nodes replace a pending
// transaction only when both caps rise by at least 10 %.
func TestBumpedFeesAreEnoughForAReplacement(t *testing.T) {
	for _, c := range []struct{ tip, cap, nowTip, nowCap int64 }{
		{1, 2, 1, 2}, {0, 0, 0, 0}, {1_000_000_000, 3_000_000_000, 1, 1}, {10, 100, 50, 500}, {7, 7, 1, 1},
	} {
		old := fees{big.NewInt(c.tip), big.NewInt(c.cap)}
		f := bumped(old, fees{big.NewInt(c.nowTip), big.NewInt(c.nowCap)})
		for _, p := range [][2]*big.Int{{old.tip, f.tip}, {old.cap, f.cap}} {
			min := new(big.Int).Div(new(big.Int).Mul(p[0], big.NewInt(110)), big.NewInt(100))
			if p[1].Cmp(min) < 0 || p[1].Cmp(p[0]) <= 0 {
				t.Errorf("%+v: %s → %s, less than a 10 %% bump", c, p[0], p[1])
			}
		}
		if f.tip.Cmp(big.NewInt(c.nowTip)) < 0 || f.cap.Cmp(big.NewInt(c.nowCap)) < 0 || f.cap.Cmp(f.tip) < 0 {
			t.Errorf("%+v: bumped to %s/%s, below the node's fees or tip above cap", c, f.tip, f.cap)
		}
	}
}
