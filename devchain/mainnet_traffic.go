package devchain

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"math/rand/v2"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

// The contracts of mainnet-shaped traffic, hand-assembled like TokenCode
// (no compiler). Each keeps no state: it exists to emit the standard
// events of a real contract for calldata of the real size, so that blocks
// carry mainnet's mix of logs and bytes. Every runtime reads its
// arguments after a 4-byte selector, as a Solidity contract would.

// Standard event signatures.
var (
	TransferTopic       = crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))
	TransferSingleTopic = crypto.Keccak256Hash([]byte("TransferSingle(address,address,address,uint256,uint256)"))
	TransferBatchTopic  = crypto.Keccak256Hash([]byte("TransferBatch(address,address,address,uint256[],uint256[])"))
	// CalledTopic is the event of CallEmitterCode, not a standard one.
	CalledTopic = crypto.Keccak256Hash([]byte("Called(address,uint256,bytes32,bytes32,bytes32)"))
)

// ERC20Code, called as transfer(address to, uint256 amount) (68 bytes of
// calldata), logs Transfer(msg.sender, to, amount) like an ERC-20 token.
// Runtime: CALLDATACOPY(0, 36, 32); CALLDATALOAD(4); CALLER; PUSH32 topic;
// LOG3(0, 32, topic, caller, to); STOP.
var ERC20Code = deploy("6020602460003760043533" + push32(TransferTopic) + "60206000a3" + "00")

// ERC721Code, called as transferFrom(address from, address to, uint256
// id) (100 bytes), logs Transfer(from, to, id) like an ERC-721 token: the
// same signature as ERC-20's, every argument indexed, no data. Runtime:
// CALLDATALOAD(68); CALLDATALOAD(36); CALLDATALOAD(4); PUSH32 topic;
// LOG4(0, 0, topic, from, to, id); STOP.
var ERC721Code = deploy("604435602435600435" + push32(TransferTopic) + "60006000a4" + "00")

// ERC1155SingleCode, called as safeTransferFrom(address from, address to,
// uint256 id, uint256 value, bytes data) (196 bytes with empty data), logs
// TransferSingle(msg.sender, from, to, id, value). Runtime:
// CALLDATACOPY(0, 68, 64); CALLDATALOAD(36); CALLDATALOAD(4); CALLER;
// PUSH32 topic; LOG4(0, 64, topic, caller, from, to); STOP.
var ERC1155SingleCode = deploy("6040604460003760243560043533" + push32(TransferSingleTopic) + "60406000a4" + "00")

// ERC1155BatchCode, called as safeBatchTransferFrom(address from, address
// to, uint256[] ids, uint256[] values, bytes data) with ids at offset
// 0xa0 and data after values (as Solidity encodes it; see
// ERC1155BatchCall), logs TransferBatch(msg.sender, from, to, ids, values)
// with the data abi.encode(ids, values). Runtime: MSTORE(0, 0x40);
// MSTORE(32, offValues-0x60); size := offData-offIds;
// CALLDATACOPY(64, 0xa4, size); LOG4(0, size+64, topic, caller, from,
// to); STOP.
var ERC1155BatchCode = deploy("6040600052" + "606060643503" + "602052" + "604435608435" + "03" +
	"8060a460403760400160243560043533" + push32(TransferBatchTopic) + "846000a4" + "00")

// CallEmitterCode is a contract call with a variable number of logs:
// called with a selector, a count k and at least 96 more bytes, it logs k
// times Called(msg.sender, i) (i from k down to 1) with the 96 bytes after
// k as data. Runtime: CALLDATACOPY(0, 36, 96); k := CALLDATALOAD(4);
// loop: if k == 0 goto end; LOG3(0, 96, topic, caller, k); k--; goto loop;
// end: STOP.
var CallEmitterCode = deploy("60606024600037" + "600435" + "5b" + "8015603f57" +
	"8033" + push32(CalledTopic) + "60606000a3" + "60019003" + "600a56" + "5b00")

// push32 is PUSH32 h, in hex.
func push32(h common.Hash) string { return "7f" + common.Bytes2Hex(h.Bytes()) }

// deploy returns the init code that deploys runtime (hex, < 256 bytes):
// PUSH1 len DUP1 PUSH1 11 PUSH1 0 CODECOPY PUSH1 0 RETURN, then runtime.
func deploy(runtime string) []byte {
	code := common.FromHex(runtime)
	if len(code) > 255 {
		panic("devchain: runtime too long for a one-byte length")
	}
	return append([]byte{0x60, byte(len(code)), 0x80, 0x60, 0x0b, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3}, code...)
}

// Function selectors of the calls, as their Solidity counterparts have.
var (
	selTransfer         = common.FromHex("a9059cbb") // transfer(address,uint256)
	selTransferFrom     = common.FromHex("23b872dd") // transferFrom(address,address,uint256)
	selSafeTransferFrom = common.FromHex("f242432a") // safeTransferFrom(address,address,uint256,uint256,bytes)
	selSafeBatch        = common.FromHex("2eb2c2d6") // safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)
)

// ERC20Call is the calldata of transfer(to, amount): 68 bytes.
func ERC20Call(to common.Address, amount *big.Int) []byte {
	return cat(selTransfer, word(to.Bytes()), word(amount.Bytes()))
}

// ERC721Call is the calldata of transferFrom(from, to, id): 100 bytes.
func ERC721Call(from, to common.Address, id *big.Int) []byte {
	return cat(selTransferFrom, word(from.Bytes()), word(to.Bytes()), word(id.Bytes()))
}

// ERC1155SingleCall is the calldata of safeTransferFrom(from, to, id,
// value, "") : 196 bytes.
func ERC1155SingleCall(from, to common.Address, id, value *big.Int) []byte {
	return cat(selSafeTransferFrom, word(from.Bytes()), word(to.Bytes()), word(id.Bytes()), word(value.Bytes()),
		u256(0xa0), u256(0))
}

// ERC1155BatchCall is the calldata of safeBatchTransferFrom(from, to,
// ids, values, "") as Solidity encodes it (ids first, then values, then
// the empty data). ids and values have the same length.
func ERC1155BatchCall(from, to common.Address, ids, values []*big.Int) []byte {
	k := len(ids)
	offIDs := 0xa0
	offValues := offIDs + 32 + 32*k
	offData := offValues + 32 + 32*k
	parts := [][]byte{selSafeBatch, word(from.Bytes()), word(to.Bytes()), u256(offIDs), u256(offValues), u256(offData), u256(k)}
	for _, id := range ids {
		parts = append(parts, word(id.Bytes()))
	}
	parts = append(parts, u256(k))
	for _, v := range values {
		parts = append(parts, word(v.Bytes()))
	}
	return cat(append(parts, u256(0))...)
}

// EmitterCall is the calldata of a CallEmitterCode call with logs logs
// and size bytes in all (at least 132: selector, count, the logs' data).
func EmitterCall(rng *rand.Rand, logs, size int) []byte {
	size = max(size, 4+32+96)
	out := make([]byte, size)
	copy(out, common.FromHex("5c11d795")) // any selector: the contract reads none
	copy(out[4:36], u256(logs))
	for i := 36; i < size; i++ {
		out[i] = byte(rng.UintN(256))
	}
	return out
}

func word(b []byte) []byte { return common.LeftPadBytes(b, 32) }
func u256(n int) []byte    { return word(big.NewInt(int64(n)).Bytes()) }

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// MainnetTraffic sends a mainnet-like mix of transactions: ERC-20
// transfers to several tokens, ERC-721 and ERC-1155 transfers, plain value
// transfers and contract calls with 0–6 logs and calldata of a few
// hundred bytes.
type MainnetTraffic struct {
	t        *Traffic // its send (signing, nonces)
	ERC20    []common.Address
	ERC721   []common.Address
	ERC1155S []common.Address // TransferSingle emitters
	ERC1155B []common.Address // TransferBatch emitters
	Emitters []common.Address
}

// The mix of MainnetTraffic.Send, in per cent of transactions.
const (
	shareERC20    = 60
	shareERC721   = 7
	share1155     = 2 // TransferSingle
	share1155B    = 1 // TransferBatch
	sharePlain    = 10
	shareContract = 20 // CallEmitterCode, 0–6 logs
)

// NewMainnetTraffic deploys the contracts (8 tokens, 2 of each NFT kind,
// 4 emitters) in a block of their own.
func NewMainnetTraffic(ctx context.Context, c *Chain) (*MainnetTraffic, error) {
	m := &MainnetTraffic{t: &Traffic{chain: c, nonces: map[common.Address]uint64{}}}
	kinds := []struct {
		code  []byte
		count int
		into  *[]common.Address
	}{{ERC20Code, 8, &m.ERC20}, {ERC721Code, 2, &m.ERC721}, {ERC1155SingleCode, 2, &m.ERC1155S},
		{ERC1155BatchCode, 2, &m.ERC1155B}, {CallEmitterCode, 4, &m.Emitters}}
	var txs []common.Hash
	for _, k := range kinds {
		for range k.count {
			tx, err := m.t.send(ctx, c.keys[0], nil, big.NewInt(0), k.code, 300_000)
			if err != nil {
				return nil, fmt.Errorf("deploying mainnet traffic contracts: %w", err)
			}
			txs = append(txs, tx.Hash())
		}
	}
	rcpts, err := c.Seal(ctx, txs...)
	if err != nil {
		return nil, fmt.Errorf("deploying mainnet traffic contracts: %w", err)
	}
	i := 0
	for _, k := range kinds {
		for range k.count {
			*k.into = append(*k.into, rcpts[i].ContractAddress)
			i++
		}
	}
	return m, nil
}

// Send sends n transactions of the mix (not yet sealed), from random dev
// accounts.
func (m *MainnetTraffic) Send(ctx context.Context, rng *rand.Rand, n int) error {
	keys := m.t.chain.keys
	for range n {
		key := keys[rng.IntN(len(keys))]
		if err := m.sendOne(ctx, rng, key); err != nil {
			return err
		}
	}
	return nil
}

func (m *MainnetTraffic) sendOne(ctx context.Context, rng *rand.Rand, key *ecdsa.PrivateKey) error {
	from := crypto.PubkeyToAddress(key.PublicKey)
	to := randomAddress(rng)
	amount := big.NewInt(rng.Int64N(1e18))
	pick := func(as []common.Address) *common.Address { a := as[rng.IntN(len(as))]; return &a }
	var err error
	switch r := rng.IntN(100); {
	case r < shareERC20:
		_, err = m.t.send(ctx, key, pick(m.ERC20), big.NewInt(0), ERC20Call(to, amount), 60_000)
	case r < shareERC20+shareERC721:
		_, err = m.t.send(ctx, key, pick(m.ERC721), big.NewInt(0), ERC721Call(from, to, big.NewInt(rng.Int64N(10_000))), 60_000)
	case r < shareERC20+shareERC721+share1155:
		_, err = m.t.send(ctx, key, pick(m.ERC1155S), big.NewInt(0),
			ERC1155SingleCall(from, to, big.NewInt(rng.Int64N(100)), big.NewInt(1+rng.Int64N(50))), 60_000)
	case r < shareERC20+shareERC721+share1155+share1155B:
		k := 1 + rng.IntN(5)
		ids, values := make([]*big.Int, k), make([]*big.Int, k)
		for i := range k {
			ids[i], values[i] = big.NewInt(rng.Int64N(100)), big.NewInt(1+rng.Int64N(50))
		}
		_, err = m.t.send(ctx, key, pick(m.ERC1155B), big.NewInt(0), ERC1155BatchCall(from, to, ids, values), 100_000)
	case r < shareERC20+shareERC721+share1155+share1155B+sharePlain:
		_, err = m.t.send(ctx, key, &to, amount, nil, 21_000)
	default:
		_, err = m.t.send(ctx, key, pick(m.Emitters), big.NewInt(0), EmitterCall(rng, rng.IntN(7), 132+rng.IntN(500)), 150_000)
	}
	return err
}

// randomAddress is a fresh recipient, as most of mainnet's are.
func randomAddress(rng *rand.Rand) common.Address {
	var a common.Address
	for i := range a {
		a[i] = byte(rng.UintN(256))
	}
	return a
}
