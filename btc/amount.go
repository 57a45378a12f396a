package btc

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/chaintap/chaintap"
)

// satoshisPerCoin: every Bitcoin-family chain divides its coin in 10^8.
const coinDecimals = 8

// amount is a coin amount as a node writes it (a JSON number of coins,
// "50.00000000", "1e-08", "149620.0001"), held as exact satoshis. It is
// never a float: 149620.0001 DOGE as a float64 times 10^8 is
// 14962000009999.998.
type amount uint64

// UnmarshalJSON parses the number's decimal text exactly.
func (a *amount) UnmarshalJSON(b []byte) error {
	s, err := parseSatoshis(string(b))
	if err != nil {
		return err
	}
	*a = amount(s)
	return nil
}

// parseSatoshis turns a JSON number of coins into satoshis, exactly:
// digits, an optional fraction and an optional exponent (Go's encoder,
// which btcd uses, writes 1e-08 for one satoshi). More precision than a
// satoshi, a negative amount or an overflow is ErrMalformed.
func parseSatoshis(s string) (uint64, error) {
	bad := func(why string) error {
		return fmt.Errorf("amount %q %s: %w", s, why, chaintap.ErrMalformed)
	}
	mant, exp := s, 0
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		e, err := strconv.Atoi(s[i+1:])
		if err != nil || e < -40 || e > 40 {
			return 0, bad("has a bad exponent")
		}
		mant, exp = s[:i], e
	}
	whole, frac, _ := strings.Cut(mant, ".")
	if whole == "" || strings.HasPrefix(whole, "-") {
		return 0, bad("is not a non-negative number")
	}
	digits := whole + frac
	exp += coinDecimals - len(frac) // satoshis = digits × 10^exp
	for exp < 0 {
		if !strings.HasSuffix(digits, "0") {
			return 0, bad("is finer than a satoshi")
		}
		digits, exp = digits[:len(digits)-1], exp+1
	}
	if digits == "" {
		digits = "0"
	}
	v, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return 0, bad("is not a number of coins")
	}
	for ; exp > 0; exp-- {
		if v > (1<<63)/10 {
			return 0, bad("overflows")
		}
		v *= 10
	}
	if v >= 1<<63 {
		return 0, bad("overflows")
	}
	return v, nil
}
