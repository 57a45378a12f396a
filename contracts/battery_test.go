package contracts_test

import (
	"context"
	"crypto/ecdsa"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/contracts"
	"github.com/chaintap/chaintap/decode"
	"github.com/chaintap/chaintap/devchain"
)

type registry struct {
	t     *testing.T
	chain *devchain.Chain
	reg   *contracts.BatteryRegistry
	inst  *bind.BoundContract
	addr  common.Address
}

func deploy(t *testing.T) *registry {
	t.Helper()
	c, err := devchain.Start(devchain.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	opts := bind.NewKeyedTransactor(c.Keys()[0], big.NewInt(devchain.ChainID))
	addr, _, err := bind.DeployContract(opts, common.FromHex(contracts.BatteryRegistryMetaData.Bin), c.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	c.Commit()
	reg := contracts.NewBatteryRegistry()
	return &registry{t: t, chain: c, reg: reg, inst: reg.Instance(c.Client(), addr), addr: addr}
}

// send sends data as key's transaction and seals it. A refused call fails
// gas estimation with the contract's revert reason, which is returned.
func (r *registry) send(key *ecdsa.PrivateKey, data []byte) error {
	r.t.Helper()
	tx, err := bind.Transact(r.inst, bind.NewKeyedTransactor(key, big.NewInt(devchain.ChainID)), data)
	if err != nil {
		return err
	}
	r.chain.Commit()
	rcpt, err := r.chain.Receipt(context.Background(), tx.Hash())
	if err != nil {
		r.t.Fatal(err)
	}
	if rcpt.Status != 1 {
		r.t.Fatalf("transaction %s failed on chain", tx.Hash())
	}
	return nil
}

func (r *registry) mustSend(key *ecdsa.PrivateKey, data []byte) {
	r.t.Helper()
	if err := r.send(key, data); err != nil {
		r.t.Fatal(err)
	}
}

func (r *registry) refused(key *ecdsa.PrivateKey, data []byte, reason string) {
	r.t.Helper()
	err := r.send(key, data)
	if err == nil || !strings.Contains(err.Error(), reason) {
		r.t.Fatalf("err = %v, want a refusal saying %q", err, reason)
	}
}

func TestBatteryRegistryRules(t *testing.T) {
	r := deploy(t)
	keys := r.chain.Keys()
	manufacturer, station, stranger, ownerKey, batteryKey := keys[0], keys[1], keys[2], keys[3], keys[4]
	battery, owner := crypto.PubkeyToAddress(batteryKey.PublicKey), crypto.PubkeyToAddress(ownerKey.PublicKey)

	r.refused(stranger, r.reg.PackRegister(battery, owner, 2021, "DE"), "only the manufacturer")
	r.refused(manufacturer, r.reg.PackRegister(battery, owner, 1999, "DE"), "year built out of range")
	r.refused(manufacturer, r.reg.PackRegister(battery, owner, 2021, "Germany"), "ISO 3166")
	r.mustSend(manufacturer, r.reg.PackRegister(battery, owner, 2021, "DE"))
	r.refused(manufacturer, r.reg.PackRegister(battery, owner, 2022, "FR"), "already registered")
	r.mustSend(manufacturer, r.reg.PackAddStation(crypto.PubkeyToAddress(station.PublicKey)))

	r.mustSend(batteryKey, r.reg.PackRecordCharge(battery)) // the battery itself
	r.mustSend(station, r.reg.PackRecordCharge(battery))    // a charging station
	r.refused(stranger, r.reg.PackRecordCharge(battery), "only the battery or a charging station")

	r.refused(stranger, r.reg.PackLock(battery), "only the battery's owner")
	r.mustSend(ownerKey, r.reg.PackLock(battery))
	r.refused(station, r.reg.PackRecordCharge(battery), "battery is blocked")
	r.refused(stranger, r.reg.PackUnlock(battery), "only the battery's owner")
	r.mustSend(ownerKey, r.reg.PackUnlock(battery))
	r.mustSend(station, r.reg.PackRecordCharge(battery))

	info, err := bind.Call(r.inst, nil, r.reg.PackGetBattery(battery), r.reg.UnpackGetBattery)
	if err != nil {
		t.Fatal(err)
	}
	if info.YearBuilt != 2021 || info.Country != "DE" || info.ChargeCycles != 3 || info.Blocked || info.Owner != owner {
		t.Fatalf("battery = %+v", info)
	}
	_, err = bind.Call(r.inst, nil, r.reg.PackGetBattery(crypto.PubkeyToAddress(stranger.PublicKey)), r.reg.UnpackGetBattery)
	if err == nil || !strings.Contains(err.Error(), "unknown battery") {
		t.Fatalf("unknown battery: %v", err)
	}
}

// TestBatteryEventsDecode: the registry's events decode with its ABI into
// the args the demo's table is built from.
func TestBatteryEventsDecode(t *testing.T) {
	r := deploy(t)
	keys := r.chain.Keys()
	battery, owner := crypto.PubkeyToAddress(keys[4].PublicKey), crypto.PubkeyToAddress(keys[3].PublicKey)
	r.mustSend(keys[0], r.reg.PackRegister(battery, owner, 2019, "NO"))
	r.mustSend(keys[4], r.reg.PackRecordCharge(battery))
	r.mustSend(keys[3], r.reg.PackLock(battery))

	c, err := decode.ParseContract("BatteryRegistry", r.addr.Hex(), contracts.BatteryRegistryABI)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := decode.NewRegistry(c)
	if err != nil {
		t.Fatal(err)
	}
	dec := decode.NewDecoder(reg, nil)
	ctx := context.Background()
	head, err := r.chain.Client().BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`BatteryRegistered {"battery":"` + lower(battery) + `","owner":"` + lower(owner) + `","yearBuilt":"2019","country":"NO"}`,
		`ChargeRecorded {"battery":"` + lower(battery) + `","by":"` + lower(battery) + `","chargeCycles":"1"}`,
		`BatteryLocked {"battery":"` + lower(battery) + `","owner":"` + lower(owner) + `"}`,
	}
	var got []string
	for n := head - 2; n <= head; n++ {
		b, err := r.chain.Client().BlockByNumber(ctx, new(big.Int).SetUint64(n))
		if err != nil {
			t.Fatal(err)
		}
		rcpt, err := r.chain.Receipt(ctx, b.Transactions()[0].Hash())
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range rcpt.Logs {
			log := chaintap.Log{Address: l.Address.Hex(), Data: "0x" + common.Bytes2Hex(l.Data)}
			for _, tp := range l.Topics {
				log.Topics = append(log.Topics, tp.Hex())
			}
			ev, _, err := dec.Event(&log)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, ev.EventName+" "+string(ev.Args))
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// lower is an address as every topic writes it: 0x and lower-case hex.
func lower(a common.Address) string { return strings.ToLower(a.Hex()) }
