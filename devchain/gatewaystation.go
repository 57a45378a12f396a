package devchain

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
)

// GatewayStation returns the key of a charging station that only the
// transaction gateway uses (the demo's charge write-back): a key the
// fleet's own traffic never sends with, so that the gateway alone assigns
// its nonces. It funds and registers the station when the chain does not
// have it yet (a devchain started before it existed included), and waits
// for that to be sealed. Call it before the fleet's traffic runs.
func (f *Fleet) GatewayStation(ctx context.Context) (*ecdsa.PrivateKey, error) {
	key := DevKeys(f.chain.seed+"/gateway", 1)[0]
	addr := crypto.PubkeyToAddress(key.PublicKey)
	var pending []common.Hash
	bal, err := f.chain.client.BalanceAt(ctx, addr, nil)
	if err != nil {
		return nil, fmt.Errorf("the gateway station's balance: %w", err)
	}
	if bal.Cmp(big.NewInt(1e18)) < 0 {
		tx, err := f.fund(ctx, addr)
		if err != nil {
			return nil, err
		}
		pending = append(pending, tx.Hash())
	}
	registered, err := bind.Call(f.inst, &bind.CallOpts{Context: ctx}, f.reg.PackIsStation(addr), f.reg.UnpackIsStation)
	if err != nil {
		return nil, fmt.Errorf("is the gateway station registered: %w", err)
	}
	if !registered {
		tx, err := f.send(ctx, f.manufacturer, f.reg.PackAddStation(addr), 0)
		if err != nil {
			return nil, fmt.Errorf("registering the gateway station: %w", err)
		}
		pending = append(pending, tx.Hash())
	}
	if len(pending) > 0 {
		if _, err := f.chain.Seal(ctx, pending...); err != nil {
			return nil, fmt.Errorf("setting up the gateway station: %w", err)
		}
	}
	return key, nil
}

// fund sends the manufacturer's ether to addr: enough for a demo's life
// of charges.
func (f *Fleet) fund(ctx context.Context, to common.Address) (*types.Transaction, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	from := crypto.PubkeyToAddress(f.manufacturer.PublicKey)
	nonce, ok := f.nonces[from]
	if !ok {
		n, err := f.chain.client.PendingNonceAt(ctx, from)
		if err != nil {
			return nil, fmt.Errorf("nonce of %s: %w", from.Hex(), err)
		}
		nonce = n
	}
	head, err := f.chain.client.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, err
	}
	tip, err := f.chain.client.SuggestGasTipCap(ctx)
	if err != nil {
		return nil, err
	}
	fee := new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), tip)
	value := new(big.Int).Mul(big.NewInt(1000), big.NewInt(1e18))
	tx, err := types.SignNewTx(f.manufacturer, types.LatestSignerForChainID(big.NewInt(ChainID)), &types.DynamicFeeTx{
		ChainID: big.NewInt(ChainID), Nonce: nonce, GasTipCap: tip, GasFeeCap: fee, Gas: 21000, To: &to, Value: value})
	if err != nil {
		return nil, err
	}
	if err := f.chain.client.SendTransaction(ctx, tx); err != nil {
		delete(f.nonces, from)
		return nil, fmt.Errorf("funding the gateway station: %w", err)
	}
	f.nonces[from] = nonce + 1
	return tx, nil
}
