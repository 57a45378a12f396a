package devchain

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"math/rand/v2"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
)

// EmitterCode deploys a contract that, on any call, emits two LOG1 events
// whose topic is the caller: the smallest contract that gives every call
// logs to follow. Init code copies the 13-byte runtime
// (CALLER PUSH1 0 PUSH1 0 LOG1, twice, STOP) and returns it.
var EmitterCode = common.FromHex("600d80600b6000396000f3" + "3360006000a1" + "3360006000a1" + "00")

// Traffic sends simple transactions: value transfers between dev accounts
// and calls of a log-emitting contract.
type Traffic struct {
	chain   *Chain
	emitter common.Address
	nonces  map[common.Address]uint64
}

// NewTraffic deploys the emitter contract (in a block of its own).
func NewTraffic(ctx context.Context, c *Chain) (*Traffic, error) {
	t := &Traffic{chain: c, nonces: map[common.Address]uint64{}}
	key := c.keys[0]
	tx, err := t.send(ctx, key, nil, big.NewInt(0), EmitterCode, 200_000)
	if err != nil {
		return nil, fmt.Errorf("deploying the log emitter: %w", err)
	}
	c.Commit()
	rcpt, err := c.client.TransactionReceipt(ctx, tx.Hash())
	if err != nil {
		return nil, fmt.Errorf("receipt of the emitter deployment: %w", err)
	}
	t.emitter = rcpt.ContractAddress
	return t, nil
}

// Emitter is the log-emitting contract's address.
func (t *Traffic) Emitter() common.Address { return t.emitter }

// Send sends n random transactions (not yet sealed): about half emit logs.
func (t *Traffic) Send(ctx context.Context, rng *rand.Rand, n int) error {
	keys := t.chain.keys
	for range n {
		from := keys[rng.IntN(len(keys))]
		var err error
		if rng.IntN(2) == 0 {
			to := crypto.PubkeyToAddress(keys[rng.IntN(len(keys))].PublicKey)
			_, err = t.send(ctx, from, &to, big.NewInt(rng.Int64N(1e18)), nil, 21_000)
		} else {
			_, err = t.send(ctx, from, &t.emitter, big.NewInt(0), nil, 50_000)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// ResetNonces forgets the local nonces, e.g. after a reorg dropped
// transactions, so they are read from the node again.
func (t *Traffic) ResetNonces() { t.nonces = map[common.Address]uint64{} }

func (t *Traffic) send(ctx context.Context, key *ecdsa.PrivateKey, to *common.Address, value *big.Int, data []byte, gas uint64) (*types.Transaction, error) {
	from := crypto.PubkeyToAddress(key.PublicKey)
	nonce, ok := t.nonces[from]
	if !ok {
		n, err := t.chain.client.PendingNonceAt(ctx, from)
		if err != nil {
			return nil, fmt.Errorf("nonce of %s: %w", from, err)
		}
		nonce = n
	}
	tx := types.NewTx(&types.DynamicFeeTx{
		ChainID: big.NewInt(ChainID), Nonce: nonce, To: to, Value: value, Data: data, Gas: gas,
		GasTipCap: big.NewInt(1e9), GasFeeCap: big.NewInt(100e9),
	})
	signed, err := types.SignTx(tx, types.LatestSignerForChainID(big.NewInt(ChainID)), key)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	if err := t.chain.client.SendTransaction(ctx, signed); err != nil {
		return nil, fmt.Errorf("sending from %s nonce %d: %w", from, nonce, err)
	}
	t.nonces[from] = nonce + 1
	return signed, nil
}
