package devchain

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum/common"

	"github.com/chaintap/chaintap"
)

// Outbox sends contract calls as one of the fleet's owners through a
// nonce authority outside the fleet: chaintap's transaction gateway in
// `chaintap up`, which also sends the page's lock and unlock as the
// owners. Two signers assigning nonces for one key collide, so once the
// fleet has an outbox it never signs as an owner itself.
//
// contract is "BatteryRegistry" or "DemoToken"; args are the method's
// arguments (common.Address, *big.Int). A call the contract refuses is
// an error wrapping chaintap.ErrRefused.
type Outbox interface {
	CallAs(ctx context.Context, owner int, contract, method string, args ...any) error
}

// SendOwnersVia routes every transaction the fleet sends as an owner
// (lock, unlock, token transfers) through o. Call it before the fleet's
// traffic starts.
func (f *Fleet) SendOwnersVia(o Outbox) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.outbox = o
}

// OwnerKeys returns the owners' keys: owner k owns batteries k, k+n, …
// (n the number of owners) and holds tokens. Only for handing them to the
// outbox's signer.
func (f *Fleet) OwnerKeys() []*ecdsa.PrivateKey {
	return append([]*ecdsa.PrivateKey(nil), f.owners...)
}

// OwnerOf returns the index of battery's owner among OwnerKeys, or
// chaintap.ErrNotFound for an address that is not one of the fleet's.
func (f *Fleet) OwnerOf(battery common.Address) (int, error) {
	for i, b := range f.batteryIDs {
		if b == battery {
			return i % len(f.owners), nil
		}
	}
	return 0, chaintap.ErrNotFound
}

// setBlockedAsOwner locks or unlocks battery i as its owner. A refusal is
// not an error of the traffic: someone else (the page) changed the state
// since the fleet last looked, and the fleet now knows it.
func (f *Fleet) setBlockedAsOwner(ctx context.Context, i int, blocked bool) error {
	b := f.batteryIDs[i]
	method, data := "unlock", f.reg.PackUnlock(b)
	if blocked {
		method, data = "lock", f.reg.PackLock(b)
	}
	var err error
	if o := f.outboxOf(); o != nil {
		err = o.CallAs(ctx, i%len(f.owners), "BatteryRegistry", method, b)
	} else {
		_, err = f.send(ctx, f.OwnerKey(i), data, 0)
	}
	if err != nil && !errors.Is(err, chaintap.ErrRefused) {
		return err
	}
	f.setBlocked(b, blocked)
	return nil
}

// transferAsOwner sends amount tokens from owner k to to.
func (f *Fleet) transferAsOwner(ctx context.Context, k int, to common.Address, amount *big.Int) error {
	if o := f.outboxOf(); o != nil {
		return o.CallAs(ctx, k, "DemoToken", "transfer", to, amount)
	}
	_, err := f.sendTo(ctx, f.tokenInst, f.owners[k], f.token.PackTransfer(to, amount), 100_000)
	return err
}

func (f *Fleet) outboxOf() Outbox {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.outbox
}
