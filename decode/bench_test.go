package decode

import (
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/chaintap/chaintap"
)

// batteryABI stands in for the demo's battery registry until its contract
// lands: events of the same shapes (indexed address, small integers, a
// string, a bool).
const batteryABI = `[
 {"type":"event","name":"BatteryRegistered","inputs":[{"name":"battery","type":"address","indexed":true},{"name":"owner","type":"address","indexed":true},{"name":"yearBuilt","type":"uint16","indexed":false},{"name":"country","type":"string","indexed":false}]},
 {"type":"event","name":"ChargeRecorded","inputs":[{"name":"battery","type":"address","indexed":true},{"name":"station","type":"address","indexed":true},{"name":"cycles","type":"uint32","indexed":false}]},
 {"type":"event","name":"BatteryLocked","inputs":[{"name":"battery","type":"address","indexed":true},{"name":"blocked","type":"bool","indexed":false}]}
]`

// BenchmarkDecodeLogs decodes a mix of ERC-20 transfers (half) and battery
// events on one core and reports logs/s.
func BenchmarkDecodeLogs(b *testing.B) {
	battery := common.HexToAddress("0x00000000000000000000000000000000000000ba")
	bc, err := ParseContract("Battery", battery.Hex(), []byte(batteryABI))
	if err != nil {
		b.Fatal(err)
	}
	erc20, _ := BuiltinContract("ERC-20")
	reg, err := NewRegistry(bc, erc20)
	if err != nil {
		b.Fatal(err)
	}
	d := NewDecoder(reg, nil)
	a := bc.ABI
	pack := func(ev string, vals ...any) []byte {
		out, err := a.Events[ev].Inputs.NonIndexed().Pack(vals...)
		if err != nil {
			b.Fatal(err)
		}
		return out
	}
	token := common.HexToAddress("0x00000000000000000000000000000000000000f2")
	transfer := crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))
	logs := []*chaintap.Log{
		logOf(token, common.LeftPadBytes(big.NewInt(123456789).Bytes(), 32), transfer, addrTopic(alice), addrTopic(bob)),
		logOf(battery, pack("BatteryRegistered", uint16(2021), "DE"), a.Events["BatteryRegistered"].ID, addrTopic(alice), addrTopic(bob)),
		logOf(token, common.LeftPadBytes(big.NewInt(5).Bytes(), 32), transfer, addrTopic(bob), addrTopic(alice)),
		logOf(battery, pack("ChargeRecorded", uint32(812)), a.Events["ChargeRecorded"].ID, addrTopic(alice), addrTopic(bob)),
		logOf(token, common.LeftPadBytes(big.NewInt(7).Bytes(), 32), transfer, addrTopic(alice), addrTopic(bob)),
		logOf(battery, pack("BatteryLocked", true), a.Events["BatteryLocked"].ID, addrTopic(alice)),
	}
	n := 0
	start := time.Now()
	for b.Loop() {
		for _, l := range logs {
			if _, _, err := d.Event(l); err != nil {
				b.Fatal(err)
			}
			Transfers(l)
			n++
		}
	}
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "logs/s")
}
