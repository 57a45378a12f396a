package gethtest

import (
	"context"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/ethclient"
)

// Sender sends value transfers from geth's dev account; geth --dev seals a
// block for each. It counts nonces itself: geth's pending nonce can lag
// behind a burst of sends.
type Sender struct {
	g     *Geth
	ec    *ethclient.Client
	from  common.Address
	nonce uint64
	value int64 // grows with every transfer, so that no two are alike
}

// NewSender returns a sender from geth's first account.
func (g *Geth) NewSender(t testing.TB) *Sender {
	t.Helper()
	var accounts []common.Address
	if err := g.RPC.Call(&accounts, "eth_accounts"); err != nil || len(accounts) == 0 {
		t.Fatalf("eth_accounts: %v %v", accounts, err)
	}
	s := &Sender{g: g, ec: ethclient.NewClient(g.RPC), from: accounts[0]}
	s.Resync(t)
	return s
}

// Resync takes the nonce from the chain, as after debug_setHead. geth's
// transaction pool follows a new head in the background, so it waits
// until the pool's nonce is the chain's: a transaction sent before would
// be refused as "nonce too low".
func (s *Sender) Resync(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := s.ec.NonceAt(ctx, s.from, nil)
		if err != nil {
			t.Fatal(err)
		}
		pending, err := s.ec.PendingNonceAt(ctx, s.from)
		if err != nil {
			t.Fatal(err)
		}
		if pending == n {
			s.nonce = n
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("geth's pool nonce stays %d, the chain's is %d", pending, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Send makes n transfers, one block each: it waits for each receipt
// before the next send, since geth --dev seals whatever its pool holds, so
// a burst would share blocks and the block count would be left to chance.
func (s *Sender) Send(t testing.TB, n int) {
	t.Helper()
	to := common.HexToAddress("0x00000000000000000000000000000000000000aa")
	for range n {
		s.value++
		tx := map[string]any{"from": s.from, "to": to, "gas": hexutil.Uint64(21_000),
			"value": hexutil.EncodeBig(bigOf(s.value)), "nonce": hexutil.Uint64(s.nonce)}
		var h common.Hash
		if err := s.g.RPC.Call(&h, "eth_sendTransaction", tx); err != nil {
			t.Fatal(err)
		}
		s.nonce++
		s.waitReceipt(t, h)
	}
}

func (s *Sender) waitReceipt(t testing.TB, h common.Hash) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := s.ec.TransactionReceipt(context.Background(), h); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no receipt of %s after 20s", h)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Head returns geth's head: number and lower-case hash.
func (g *Geth) Head(t testing.TB) (uint64, string) {
	t.Helper()
	h, err := ethclient.NewClient(g.RPC).HeaderByNumber(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return h.Number.Uint64(), strings.ToLower(h.Hash().Hex())
}

// SetHead rewinds geth's chain to block n (debug_setHead): the blocks above
// it are gone, and the next transactions seal a different branch.
func (g *Geth) SetHead(t testing.TB, n uint64) {
	t.Helper()
	if err := g.RPC.Call(nil, "debug_setHead", hexutil.EncodeUint64(n)); err != nil {
		t.Fatalf("debug_setHead %d: %v", n, err)
	}
	if head, _ := g.Head(t); head != n {
		t.Fatalf("debug_setHead %d left the head at %d", n, head)
	}
}

func bigOf(v int64) *big.Int { return big.NewInt(v) }
