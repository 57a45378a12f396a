package gateway

import (
	"context"
	"fmt"
	"math/big"
)

// fees are EIP-1559 fee caps.
type fees struct{ tip, cap *big.Int }

// currentFees asks the node: the tip it suggests, and a cap of twice the
// head's base fee plus the tip, which survives six full blocks of rising
// base fees.
func (s *Service) currentFees(ctx context.Context) (fees, error) {
	tip, err := s.node.SuggestGasTipCap(ctx)
	if err != nil {
		return fees{}, fmt.Errorf("asking the node for a tip: %w", err)
	}
	head, err := s.node.HeaderByNumber(ctx, nil)
	if err != nil {
		return fees{}, fmt.Errorf("reading the head for its base fee: %w", err)
	}
	base := head.BaseFee
	if base == nil {
		base = new(big.Int)
	}
	return fees{tip: tip, cap: new(big.Int).Add(new(big.Int).Mul(base, big.NewInt(2)), tip)}, nil
}

// bumped returns the fees of a replacement for a transaction with old
// fees: nodes take a replacement only with both raised by at least 10 %
// (geth's default price bump), so raise both by 12.5 % and at least 1 wei,
// and never below what the node asks now.
func bumped(old, now fees) fees {
	up := func(x *big.Int) *big.Int {
		y := new(big.Int).Add(x, new(big.Int).Div(x, big.NewInt(8)))
		return y.Add(y, big.NewInt(1))
	}
	f := fees{tip: up(old.tip), cap: up(old.cap)}
	if now.tip.Cmp(f.tip) > 0 {
		f.tip = now.tip
	}
	if now.cap.Cmp(f.cap) > 0 {
		f.cap = now.cap
	}
	if f.cap.Cmp(f.tip) < 0 {
		f.cap = new(big.Int).Set(f.tip)
	}
	return f
}

func feesOf(st State) fees {
	tip, _ := new(big.Int).SetString(st.MaxPriorityFeePerGas, 10)
	fc, _ := new(big.Int).SetString(st.MaxFeePerGas, 10)
	if tip == nil {
		tip = new(big.Int)
	}
	if fc == nil {
		fc = new(big.Int)
	}
	return fees{tip: tip, cap: fc}
}
