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

// TokenCode deploys the smallest contract that emits standard ERC-20
// Transfer events: called with abi.encode(amount, to), it logs
// Transfer(msg.sender, to, amount). It keeps no balances; it exists so that
// token transfers and decoded events have data without a compiler. The
// runtime: CALLDATACOPY(0, 0, 32); CALLDATALOAD(32); CALLER; PUSH32 topic;
// LOG3(0, 32, topic, caller, to); STOP.
var TokenCode = common.FromHex("603280600b6000396000f3" +
	"60206000600037" + "602035" + "33" +
	"7fddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef" +
	"60206000a3" + "00")

// Traffic sends simple transactions: value transfers between dev accounts
// and calls of a log-emitting contract.
type Traffic struct {
	chain   *Chain
	emitter common.Address
	token   common.Address
	nonces  map[common.Address]uint64
}

// NewTraffic deploys the emitter and token contracts (in a block of their own).
func NewTraffic(ctx context.Context, c *Chain) (*Traffic, error) {
	t := &Traffic{chain: c, nonces: map[common.Address]uint64{}}
	key := c.keys[0]
	emitter, err := t.send(ctx, key, nil, big.NewInt(0), EmitterCode, 200_000)
	if err != nil {
		return nil, fmt.Errorf("deploying the log emitter: %w", err)
	}
	token, err := t.send(ctx, key, nil, big.NewInt(0), TokenCode, 200_000)
	if err != nil {
		return nil, fmt.Errorf("deploying the token: %w", err)
	}
	rcpts, err := c.Seal(ctx, emitter.Hash(), token.Hash())
	if err != nil {
		return nil, fmt.Errorf("deploying the traffic contracts: %w", err)
	}
	t.emitter, t.token = rcpts[0].ContractAddress, rcpts[1].ContractAddress
	return t, nil
}

// Token is the token contract's address.
func (t *Traffic) Token() common.Address { return t.token }

// Send sends n random transactions (not yet sealed): value transfers,
// calls of the log emitter and token transfers, a third each.
func (t *Traffic) Send(ctx context.Context, rng *rand.Rand, n int) error {
	keys := t.chain.keys
	for range n {
		from := keys[rng.IntN(len(keys))]
		to := crypto.PubkeyToAddress(keys[rng.IntN(len(keys))].PublicKey)
		var err error
		switch rng.IntN(3) {
		case 0:
			_, err = t.send(ctx, from, &to, big.NewInt(rng.Int64N(1e18)), nil, 21_000)
		case 1:
			_, err = t.send(ctx, from, &t.emitter, big.NewInt(0), nil, 50_000)
		default:
			_, err = t.tokenTransfer(ctx, from, to, big.NewInt(rng.Int64N(1e18)))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// SendTokenTransfer sends a token transfer of amount from dev account
// index from to to (not yet sealed).
func (t *Traffic) SendTokenTransfer(ctx context.Context, from int, to common.Address, amount *big.Int) error {
	_, err := t.tokenTransfer(ctx, t.chain.keys[from], to, amount)
	return err
}

func (t *Traffic) tokenTransfer(ctx context.Context, from *ecdsa.PrivateKey, to common.Address, amount *big.Int) (*types.Transaction, error) {
	call := append(common.LeftPadBytes(amount.Bytes(), 32), common.LeftPadBytes(to.Bytes(), 32)...)
	return t.send(ctx, from, &t.token, big.NewInt(0), call, 60_000)
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
