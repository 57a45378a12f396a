package devchain

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/contracts"
)

// The demo fleet's accounts, funded at genesis and derived from the seed
// apart from the dev accounts, so fleet traffic and other traffic never
// race for a nonce.
const (
	fleetStations  = 2
	fleetOwners    = 5
	FleetBatteries = 50
	fleetExchanges = 3
	fleetKeys      = 1 + fleetStations + fleetOwners + FleetBatteries + fleetExchanges
)

var fleetCountries = []string{"DE", "FR", "NO", "SE", "NL", "CN", "KR", "JP", "US", "PL"}

// Fleet is the demo's batteries on the BatteryRegistry: registered by the
// manufacturer, charged by stations or by themselves, locked and unlocked
// by their owners. Everything derives from the seed.
type Fleet struct {
	chain        *Chain
	reg          *contracts.BatteryRegistry
	inst         *bind.BoundContract
	addr         common.Address
	token        *contracts.DemoToken
	tokenInst    *bind.BoundContract
	tokenAddr    common.Address
	exchanges    []*ecdsa.PrivateKey
	manufacturer *ecdsa.PrivateKey
	stations     []*ecdsa.PrivateKey
	owners       []*ecdsa.PrivateKey
	batteries    []*ecdsa.PrivateKey
	batteryIDs   []common.Address // the batteries' addresses, derived once
	mu           sync.Mutex       // one transaction at a time: nonces
	blocked      map[common.Address]bool
	nonces       map[common.Address]uint64
	outbox       Outbox // nil: the fleet signs as the owners itself
}

func fleetKeySet(seed string) []*ecdsa.PrivateKey { return DevKeys(seed+"/fleet", fleetKeys) }

// NewFleet deploys the registry and registers the fleet, or, when
// addrFile names a registry that is on the chain already (a restarted
// devchain), picks it up again. The registry's address is written to
// addrFile (if not empty).
func NewFleet(ctx context.Context, c *Chain, seed, addrFile string) (*Fleet, error) {
	keys := fleetKeySet(seed)
	f := &Fleet{chain: c, reg: contracts.NewBatteryRegistry(), manufacturer: keys[0],
		stations: keys[1 : 1+fleetStations], owners: keys[1+fleetStations : 1+fleetStations+fleetOwners],
		batteries: keys[1+fleetStations+fleetOwners : 1+fleetStations+fleetOwners+FleetBatteries],
		exchanges: keys[1+fleetStations+fleetOwners+FleetBatteries:],
		token:     contracts.NewDemoToken(),
		blocked:   map[common.Address]bool{}, nonces: map[common.Address]uint64{}}
	for _, k := range f.batteries {
		f.batteryIDs = append(f.batteryIDs, crypto.PubkeyToAddress(k.PublicKey))
	}
	if addrFile != "" {
		if raw, err := os.ReadFile(addrFile); err == nil {
			lines := strings.Fields(string(raw))
			if len(lines) == 2 && common.IsHexAddress(lines[0]) && common.IsHexAddress(lines[1]) {
				registry, token := common.HexToAddress(lines[0]), common.HexToAddress(lines[1])
				if code, err := c.client.CodeAt(ctx, registry, nil); err == nil && len(code) > 0 {
					f.bind(registry, token)
					return f, f.loadBlocked(ctx)
				}
			}
		}
	}
	if err := f.setup(ctx); err != nil {
		return nil, err
	}
	if addrFile != "" {
		if err := os.WriteFile(addrFile, []byte(f.addr.Hex()+"\n"+f.tokenAddr.Hex()+"\n"), 0o644); err != nil {
			return nil, fmt.Errorf("saving the contract addresses: %w", err)
		}
	}
	return f, nil
}

func (f *Fleet) bind(registry, token common.Address) {
	f.addr, f.inst = registry, f.reg.Instance(f.chain.client, registry)
	f.tokenAddr, f.tokenInst = token, f.token.Instance(f.chain.client, token)
}

// Token is the DemoToken's address.
func (f *Fleet) Token() common.Address { return f.tokenAddr }

// holders are the token's wallets (the owners) and exchanges.
func (f *Fleet) holders() []*ecdsa.PrivateKey {
	return append(append([]*ecdsa.PrivateKey(nil), f.owners...), f.exchanges...)
}

// Registry is the BatteryRegistry's address.
func (f *Fleet) Registry() common.Address { return f.addr }

// Batteries lists the fleet's battery ids (account addresses).
func (f *Fleet) Batteries() []common.Address { return slices.Clone(f.batteryIDs) }

// OwnerKey returns the key of the owner of battery i (dev keys: the demo's
// page signs lock and unlock with them).
func (f *Fleet) OwnerKey(i int) *ecdsa.PrivateKey { return f.owners[i%len(f.owners)] }

// StationKey is the key of the fleet's i-th registered charging station,
// which may record charges.
func (f *Fleet) StationKey(i int) *ecdsa.PrivateKey { return f.stations[i%len(f.stations)] }

func (f *Fleet) setup(ctx context.Context) error {
	opts := bind.NewKeyedTransactor(f.manufacturer, big.NewInt(ChainID))
	opts.Context = ctx
	addr, regTx, err := bind.DeployContract(opts, common.FromHex(contracts.BatteryRegistryMetaData.Bin), f.chain.client, nil)
	if err != nil {
		return fmt.Errorf("deploying the battery registry: %w", err)
	}
	supply := new(big.Int).Mul(big.NewInt(1e9), big.NewInt(1e18))
	opts.Nonce = new(big.Int).SetUint64(1)
	tokenAddr, tokenTx, err := bind.DeployContract(opts, common.FromHex(contracts.DemoTokenMetaData.Bin), f.chain.client, f.token.PackConstructor(supply))
	if err != nil {
		return fmt.Errorf("deploying the demo token: %w", err)
	}
	if _, err := f.chain.Seal(ctx, regTx.Hash(), tokenTx.Hash()); err != nil {
		return fmt.Errorf("deploying the fleet's contracts: %w", err)
	}
	f.bind(addr, tokenAddr)
	share := new(big.Int).Div(supply, big.NewInt(int64(2*len(f.holders()))))
	for _, h := range f.holders() {
		if _, err := f.sendTo(ctx, f.tokenInst, f.manufacturer, f.token.PackTransfer(crypto.PubkeyToAddress(h.PublicKey), share), 0); err != nil {
			return err
		}
	}
	for _, s := range f.stations {
		if _, err := f.send(ctx, f.manufacturer, f.reg.PackAddStation(crypto.PubkeyToAddress(s.PublicKey)), 0); err != nil {
			return err
		}
	}
	rng := rand.New(rand.NewPCG(7, 7))
	for i, b := range f.batteryIDs {
		year := uint16(2015 + rng.IntN(11))
		country := fleetCountries[rng.IntN(len(fleetCountries))]
		owner := crypto.PubkeyToAddress(f.OwnerKey(i).PublicKey)
		if _, err := f.send(ctx, f.manufacturer, f.reg.PackRegister(b, owner, year, country), 0); err != nil {
			return err
		}
	}
	f.chain.Commit()
	return nil
}

func (f *Fleet) loadBlocked(ctx context.Context) error {
	for _, b := range f.batteryIDs {
		info, err := bind.Call(f.inst, &bind.CallOpts{Context: ctx}, f.reg.PackGetBattery(b), f.reg.UnpackGetBattery)
		if err != nil {
			return fmt.Errorf("reading battery %s: %w", b.Hex(), err)
		}
		f.blocked[b] = info.Blocked
	}
	return nil
}

// Step sends one round of fleet traffic (not yet sealed): charges by
// stations or by the batteries themselves, now and then a lock or an
// unlock by an owner, and charges of blocked batteries, which the registry
// refuses (they are mined as failed transactions).
func (f *Fleet) Step(ctx context.Context, rng *rand.Rand, n int) error {
	bats := f.batteryIDs
	for range n {
		i := rng.IntN(len(bats))
		b := bats[i]
		var err error
		switch r := rng.IntN(20); {
		case r == 0 && !f.isBlocked(b):
			err = f.setBlockedAsOwner(ctx, i, true)
		case r <= 2 && f.isBlocked(b):
			err = f.setBlockedAsOwner(ctx, i, false)
		case r <= 5:
			_, err = f.send(ctx, f.batteries[i], f.reg.PackRecordCharge(b), 100_000)
		case r <= 9:
			err = f.tokenFlow(ctx, rng)
		default:
			_, err = f.send(ctx, f.stations[rng.IntN(len(f.stations))], f.reg.PackRecordCharge(b), 100_000)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// tokenFlow moves tokens between a wallet and an exchange, either way:
// deposits and withdrawals, the flows an exchange's analysts watch.
func (f *Fleet) tokenFlow(ctx context.Context, rng *rand.Rand) error {
	k, exchange := rng.IntN(len(f.owners)), f.exchanges[rng.IntN(len(f.exchanges))]
	deposit := rng.IntN(2) != 0
	amount := new(big.Int).Mul(big.NewInt(1+rng.Int64N(1000)), big.NewInt(1e18))
	if !deposit {
		_, err := f.sendTo(ctx, f.tokenInst, exchange, f.token.PackTransfer(crypto.PubkeyToAddress(f.owners[k].PublicKey), amount), 100_000)
		return err
	}
	return f.transferAsOwner(ctx, k, crypto.PubkeyToAddress(exchange.PublicKey), amount)
}

func (f *Fleet) isBlocked(b common.Address) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.blocked[b]
}

func (f *Fleet) setBlocked(b common.Address, v bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.blocked[b] = v
}

// send signs and sends data to the registry. With gas 0 the gas is
// estimated, so a call the contract refuses fails here with its reason;
// with a fixed gas it is sent anyway and mined as a failed transaction.
func (f *Fleet) send(ctx context.Context, key *ecdsa.PrivateKey, data []byte, gas uint64) (*types.Transaction, error) {
	return f.sendTo(ctx, f.inst, key, data, gas)
}

// sendTo is send to any of the fleet's contracts.
func (f *Fleet) sendTo(ctx context.Context, inst *bind.BoundContract, key *ecdsa.PrivateKey, data []byte, gas uint64) (*types.Transaction, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	from := crypto.PubkeyToAddress(key.PublicKey)
	nonce, ok := f.nonces[from]
	if !ok {
		n, err := f.chain.client.PendingNonceAt(ctx, from)
		if err != nil {
			return nil, fmt.Errorf("nonce of %s: %w", from.Hex(), err)
		}
		nonce = n
	}
	opts := bind.NewKeyedTransactor(key, big.NewInt(ChainID))
	opts.Context, opts.GasLimit, opts.Nonce = ctx, gas, new(big.Int).SetUint64(nonce)
	tx, err := bind.Transact(inst, opts, data)
	if err != nil {
		delete(f.nonces, from) // ask the node again next time

		if strings.Contains(err.Error(), "execution reverted") {
			return nil, fmt.Errorf("%w: %s", chaintap.ErrRefused, revertReason(err))
		}
		return nil, fmt.Errorf("sending to the battery registry: %w", err)
	}
	f.nonces[from] = nonce + 1
	return tx, nil
}

// revertReason keeps what the contract said from a node's error text.
func revertReason(err error) string {
	msg := err.Error()
	if i := strings.Index(msg, "execution reverted: "); i >= 0 {
		return msg[i+len("execution reverted: "):]
	}
	return msg
}

// ResetNonces forgets the local nonces (after a reorg dropped transactions).
func (f *Fleet) ResetNonces() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nonces = map[common.Address]uint64{}
}
