// Package anchor publishes seal checkpoints to the SealAnchor contract on
// an EVM chain (contracts/SealAnchor.sol) and looks them up there, so that
// a verifier can also check that a tree head existed no later than a
// given block. It is the seal's adapter to a chain; seal itself knows no
// chain.
package anchor

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/chaintap/chaintap/contracts"
	"github.com/chaintap/chaintap/seal"
)

// Backend is what the anchor needs of a node (an *ethclient.Client).
type Backend interface {
	bind.ContractBackend
	bind.DeployBackend
}

// Anchor is the SealAnchor contract at an address.
type Anchor struct {
	backend Backend
	addr    common.Address
	abi     *contracts.SealAnchor
	inst    *bind.BoundContract
	key     *ecdsa.PrivateKey // nil: look-ups only
	chainID *big.Int
}

// New returns the contract at addr; key (the deployer's, which alone may
// anchor) may be nil to only look roots up.
func New(backend Backend, addr common.Address, key *ecdsa.PrivateKey, chainID *big.Int) *Anchor {
	c := contracts.NewSealAnchor()
	return &Anchor{backend: backend, addr: addr, abi: c, inst: c.Instance(backend, addr), key: key, chainID: chainID}
}

// Deploy deploys a SealAnchor whose sealer is key's account and waits
// until it is mined.
func Deploy(ctx context.Context, backend Backend, key *ecdsa.PrivateKey, chainID *big.Int) (*Anchor, error) {
	opts := bind.NewKeyedTransactor(key, chainID)
	opts.Context = ctx
	addr, tx, err := bind.DeployContract(opts, common.FromHex(contracts.SealAnchorMetaData.Bin), backend, nil)
	if err != nil {
		return nil, fmt.Errorf("deploying the seal anchor: %w", err)
	}
	if _, err := bind.WaitDeployed(ctx, backend, tx.Hash()); err != nil {
		return nil, fmt.Errorf("waiting for the seal anchor %s: %w", addr, err)
	}
	return New(backend, addr, key, chainID), nil
}

// Address is the contract's address.
func (a *Anchor) Address() common.Address { return a.addr }

// LogID is the anchor's name of a sealed partition: SHA-256 of its
// checkpoint origin line.
func LogID(c seal.Checkpoint) [32]byte {
	return sha256.Sum256([]byte(seal.Origin(c.Topic, c.Partition)))
}

// Publish anchors c's tree head and returns the transaction, once mined.
func (a *Anchor) Publish(ctx context.Context, c seal.Checkpoint) (*types.Receipt, error) {
	if a.key == nil {
		return nil, fmt.Errorf("anchoring needs the sealer's chain key")
	}
	opts := bind.NewKeyedTransactor(a.key, a.chainID)
	opts.Context = ctx
	tx, err := bind.Transact(a.inst, opts, a.abi.PackAnchor(LogID(c), uint64(c.Size), c.Root))
	if err != nil {
		return nil, fmt.Errorf("anchoring %s size %d: %w", seal.Origin(c.Topic, c.Partition), c.Size, err)
	}
	rcpt, err := bind.WaitMined(ctx, a.backend, tx.Hash())
	if err != nil {
		return nil, fmt.Errorf("waiting for anchor transaction %s: %w", tx.Hash(), err)
	}
	if rcpt.Status != types.ReceiptStatusSuccessful {
		return rcpt, fmt.Errorf("anchor transaction %s failed (is this key the contract's sealer?)", tx.Hash())
	}
	return rcpt, nil
}

// NotAnchoredError: the contract has no record of a tree head.
type NotAnchoredError struct {
	Origin   string
	Size     int64
	Contract common.Address
}

func (e *NotAnchoredError) Error() string {
	if e.Size == 0 {
		return fmt.Sprintf("no tree head of %s was ever anchored in contract %s", e.Origin, e.Contract)
	}
	return fmt.Sprintf("the tree head of %s at %d records was never anchored in contract %s", e.Origin, e.Size, e.Contract)
}

// AnchoredIn returns the block c's tree head was first anchored in, or a
// *NotAnchoredError.
func (a *Anchor) AnchoredIn(ctx context.Context, c seal.Checkpoint) (uint64, error) {
	n, err := bind.Call(a.inst, &bind.CallOpts{Context: ctx}, a.abi.PackAnchoredIn(LogID(c), uint64(c.Size), c.Root), a.abi.UnpackAnchoredIn)
	if err != nil {
		return 0, fmt.Errorf("looking up the anchor of %s in %s: %w", seal.Origin(c.Topic, c.Partition), a.addr, err)
	}
	if n.Sign() == 0 {
		return 0, &NotAnchoredError{Origin: seal.Origin(c.Topic, c.Partition), Size: c.Size, Contract: a.addr}
	}
	return n.Uint64(), nil
}

// Head is the largest tree head anchored for a sealed partition.
type Head struct {
	Size  int64
	Root  [32]byte
	Block uint64
}

// Latest returns the largest tree head anchored for topic's partition, or
// a *NotAnchoredError when none was.
func (a *Anchor) Latest(ctx context.Context, topic string, partition int32) (Head, error) {
	c := seal.Checkpoint{Topic: topic, Partition: partition}
	out, err := bind.Call(a.inst, &bind.CallOpts{Context: ctx}, a.abi.PackLatest(LogID(c)), a.abi.UnpackLatest)
	if err != nil {
		return Head{}, fmt.Errorf("looking up the latest anchor of %s in %s: %w", seal.Origin(topic, partition), a.addr, err)
	}
	if out.Size == 0 {
		return Head{}, &NotAnchoredError{Origin: seal.Origin(topic, partition), Contract: a.addr}
	}
	return Head{Size: int64(out.Size), Root: out.Root, Block: out.BlockNumber.Uint64()}, nil
}

// Check compares a verified partition with the largest tree head anchored
// for it: the partition must still hold that many records and they must
// hash to it. This catches what the topic alone cannot show: its latest
// checkpoints withheld and the records they covered truncated. It returns
// the anchored head; a mismatch is a *seal.TamperError.
func (a *Anchor) Check(ctx context.Context, r seal.Result) (Head, error) {
	h, err := a.Latest(ctx, r.Topic, r.Partition)
	if err != nil {
		return h, err
	}
	if h.Size > r.Sealed {
		return h, &seal.TamperError{Topic: r.Topic, Partition: r.Partition, Offset: nextOffset(r), Kind: seal.Truncated,
			Detail: fmt.Sprintf("a tree head of %d records was anchored in block %d; the partition holds %d sealed records", h.Size, h.Block, r.Sealed)}
	}
	root, err := r.Tree.Root(h.Size)
	if err != nil {
		return h, err
	}
	if root != h.Root {
		from := int64(0)
		if r.Last != nil && r.Last.Size <= h.Size && r.Last.Size < int64(len(r.Offsets)) {
			from = r.Offsets[r.Last.Size]
		}
		return h, &seal.TamperError{Topic: r.Topic, Partition: r.Partition, Offset: from, Kind: seal.Rewritten,
			Detail: fmt.Sprintf("the first %d records do not hash to the tree head anchored in block %d", h.Size, h.Block)}
	}
	return h, nil
}

// nextOffset is the offset after r's last sealed record.
func nextOffset(r seal.Result) int64 {
	if len(r.Offsets) == 0 {
		return 0
	}
	return r.Offsets[len(r.Offsets)-1] + 1
}
