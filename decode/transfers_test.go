package decode

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func counter(c prometheus.Counter) float64 {
	var m dto.Metric
	_ = c.Write(&m)
	return m.GetCounter().GetValue()
}

func TestTransfers(t *testing.T) {
	token := common.HexToAddress("0x00000000000000000000000000000000000000f2")
	op := common.HexToAddress("0x00000000000000000000000000000000000000aa")
	transfer := crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))
	single := crypto.Keccak256Hash([]byte("TransferSingle(address,address,address,uint256,uint256)"))
	batch := crypto.Keccak256Hash([]byte("TransferBatch(address,address,address,uint256[],uint256[])"))
	u256Arrays, _ := abi.NewType("uint256[]", "", nil)
	batchData, err := abi.Arguments{{Type: u256Arrays}, {Type: u256Arrays}}.Pack(
		[]*big.Int{big.NewInt(1), big.NewInt(2), big.NewInt(3)}, []*big.Int{big.NewInt(10), big.NewInt(20), big.NewInt(30)})
	if err != nil {
		t.Fatal(err)
	}
	word := func(n int64) []byte { return common.LeftPadBytes(big.NewInt(n).Bytes(), 32) }

	erc20 := Transfers(logOf(token, word(5), transfer, addrTopic(alice), addrTopic(bob)))
	if len(erc20) != 1 || erc20[0].TokenStandard != "ERC-20" || erc20[0].Value != "5" || erc20[0].TokenID != nil ||
		erc20[0].FromAddress != "0x52908400098527886e0f7030069857d2e4169ee7" {
		t.Fatalf("ERC-20: %+v", erc20)
	}
	erc721 := Transfers(logOf(token, nil, transfer, addrTopic(alice), addrTopic(bob), common.BigToHash(big.NewInt(77))))
	if len(erc721) != 1 || erc721[0].TokenStandard != "ERC-721" || erc721[0].Value != "77" || *erc721[0].TokenID != "77" {
		t.Fatalf("ERC-721: %+v", erc721)
	}
	s := Transfers(logOf(token, append(word(9), word(4)...), single, addrTopic(op), addrTopic(alice), addrTopic(bob)))
	if len(s) != 1 || s[0].TokenStandard != "ERC-1155" || *s[0].TokenID != "9" || s[0].Value != "4" || *s[0].OperatorAddress != "0x00000000000000000000000000000000000000aa" {
		t.Fatalf("TransferSingle: %+v", s)
	}
	bs := Transfers(logOf(token, batchData, batch, addrTopic(op), addrTopic(alice), addrTopic(bob)))
	if len(bs) != 3 || *bs[2].TokenID != "3" || bs[2].Value != "30" || bs[2].BatchIndex != 2 {
		t.Fatalf("TransferBatch: %+v", bs)
	}
	for name, l := range map[string][]byte{"truncated ERC-20": word(5)[:20], "truncated batch": batchData[:100]} {
		topics := []common.Hash{transfer, addrTopic(alice), addrTopic(bob)}
		if name == "truncated batch" {
			topics = []common.Hash{batch, addrTopic(op), addrTopic(alice), addrTopic(bob)}
		}
		if got := Transfers(logOf(token, l, topics...)); len(got) != 0 {
			t.Fatalf("%s gave %+v", name, got)
		}
	}
}
