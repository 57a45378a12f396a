package decode

import (
	"encoding/hex"

	"github.com/ethereum/go-ethereum/common"
)

// addressString is the one spelling of an address in every topic: 0x and
// 40 lower-case hex digits, as ethereum-etl writes them and as the
// follower writes logs and transactions. One casing everywhere is what
// lets a join on an address between two topics match (a checksummed
// address equals its lower-case twin only to a case-insensitive compare).
func addressString(a common.Address) string {
	var buf [2 + 2*common.AddressLength]byte
	buf[0], buf[1] = '0', 'x'
	hex.Encode(buf[2:], a[:])
	return string(buf[:])
}
