package decode

import (
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/chaintap/chaintap"
)

// exchangeABI has what real contracts have and toy ones do not: a token
// whose name() returns bytes32 (as MKR and SAI do), an event with a tuple,
// an overloaded event, an anonymous event and an indexed string.
const exchangeABI = `[
 {"type":"function","name":"name","stateMutability":"view","inputs":[],"outputs":[{"name":"","type":"bytes32"}]},
 {"type":"event","name":"Transfer","inputs":[{"name":"src","type":"address","indexed":true},{"name":"dst","type":"address","indexed":true},{"name":"wad","type":"uint256","indexed":false}]},
 {"type":"event","name":"OrderFilled","inputs":[
   {"name":"orderHash","type":"bytes32","indexed":true},
   {"name":"order","type":"tuple","indexed":false,"components":[
     {"name":"maker","type":"address"},{"name":"amounts","type":"uint256[]"},{"name":"note","type":"bytes"},{"name":"delta","type":"int128"}]}]},
 {"type":"event","name":"Deposit","inputs":[{"name":"who","type":"address","indexed":true},{"name":"amount","type":"uint256","indexed":false}]},
 {"type":"event","name":"Deposit","inputs":[{"name":"who","type":"address","indexed":true},{"name":"amount","type":"uint256","indexed":false},{"name":"ref","type":"bytes32","indexed":false}]},
 {"type":"event","name":"Sweep","anonymous":true,"inputs":[{"name":"to","type":"address","indexed":true},{"name":"amount","type":"uint64","indexed":false}]},
 {"type":"event","name":"Named","inputs":[{"name":"label","type":"string","indexed":true},{"name":"ok","type":"bool","indexed":false}]}
]`

var (
	exchangeAddr = common.HexToAddress("0x00000000000000000000000000000000000000e1")
	alice        = common.HexToAddress("0x52908400098527886E0F7030069857D2E4169EE7")
	bob          = common.HexToAddress("0x8617E340B3D01FA5F11F306F4090FD50E238070D")
)

func newDecoder(t testing.TB) *Decoder {
	t.Helper()
	ex, err := ParseContract("Exchange", exchangeAddr.Hex(), []byte(exchangeABI))
	if err != nil {
		t.Fatal(err)
	}
	contracts := []Contract{ex}
	for _, name := range Builtin {
		c, err := BuiltinContract(name)
		if err != nil {
			t.Fatal(err)
		}
		contracts = append(contracts, c)
	}
	reg, err := NewRegistry(contracts...)
	if err != nil {
		t.Fatal(err)
	}
	return NewDecoder(reg, nil)
}

func event(t testing.TB, name string) abi.Event {
	a, err := abi.JSON(strings.NewReader(exchangeABI))
	if err != nil {
		t.Fatal(err)
	}
	return a.Events[name]
}

func logOf(addr common.Address, data []byte, topics ...common.Hash) *chaintap.Log {
	l := &chaintap.Log{Chain: "c", Address: strings.ToLower(addr.Hex()), Data: hexutil.Encode(data), TransactionHash: "0xtx"}
	for _, t := range topics {
		l.Topics = append(l.Topics, t.Hex())
	}
	return l
}

func addrTopic(a common.Address) common.Hash { return common.BytesToHash(a.Bytes()) }

func TestDecodeRealWorldShapes(t *testing.T) {
	d := newDecoder(t)
	pack := func(ev abi.Event, vals ...any) []byte {
		b, err := ev.Inputs.NonIndexed().Pack(vals...)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	type order struct {
		Maker   common.Address
		Amounts []*big.Int
		Note    []byte
		Delta   *big.Int
	}
	huge, _ := new(big.Int).SetString("115792089237316195423570985008687907853269984665640564039457584007913129639935", 10)
	orderHash := common.HexToHash("0xabcd")
	for _, tc := range []struct {
		name, wantEvent, wantArgs string
		log                       *chaintap.Log
	}{
		{"token with bytes32 name(): its Transfer", "Transfer",
			`{"src":"` + lower(alice) + `","dst":"` + lower(bob) + `","wad":"` + huge.String() + `"}`,
			logOf(exchangeAddr, pack(event(t, "Transfer"), huge), event(t, "Transfer").ID, addrTopic(alice), addrTopic(bob))},
		{"tuple argument", "OrderFilled",
			`{"orderHash":"` + orderHash.Hex() + `","order":{"maker":"` + lower(alice) + `","amounts":["1","18446744073709551616"],"note":"0xc0ffee","delta":"-5"}}`,
			logOf(exchangeAddr, pack(event(t, "OrderFilled"), order{alice, []*big.Int{big.NewInt(1), new(big.Int).Lsh(big.NewInt(1), 64)}, []byte{0xc0, 0xff, 0xee}, big.NewInt(-5)}),
				event(t, "OrderFilled").ID, orderHash)},
		{"overload, two arguments", "Deposit", `{"who":"` + lower(bob) + `","amount":"7"}`,
			logOf(exchangeAddr, pack(event(t, "Deposit"), big.NewInt(7)), event(t, "Deposit").ID, addrTopic(bob))},
		{"overload, three arguments", "Deposit", `{"who":"` + lower(bob) + `","amount":"7","ref":"0x` + strings.Repeat("11", 32) + `"}`,
			logOf(exchangeAddr, pack(event(t, "Deposit0"), big.NewInt(7), [32]byte(common.HexToHash("0x"+strings.Repeat("11", 32)))), event(t, "Deposit0").ID, addrTopic(bob))},
		{"anonymous event", "Sweep", `{"to":"` + lower(alice) + `","amount":"42"}`,
			logOf(exchangeAddr, pack(event(t, "Sweep"), uint64(42)), addrTopic(alice))},
		{"indexed string is only a hash", "Named",
			`{"label":{"indexed_hash":"` + crypto.Keccak256Hash([]byte("hi")).Hex() + `"},"ok":true}`,
			logOf(exchangeAddr, pack(event(t, "Named"), true), event(t, "Named").ID, crypto.Keccak256Hash([]byte("hi")))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, contract, err := d.Event(tc.log)
			if err != nil {
				t.Fatal(err)
			}
			if contract != "Exchange" || ev.EventName != tc.wantEvent || ev.ContractAddress != exchangeAddr.Hex() {
				t.Fatalf("event %s of %s at %s", ev.EventName, contract, ev.ContractAddress)
			}
			if string(ev.Args) != tc.wantArgs {
				t.Fatalf("args\n got %s\nwant %s", ev.Args, tc.wantArgs)
			}
			if !json.Valid(ev.Args) {
				t.Fatal("args are not valid JSON")
			}
		})
	}
}

func TestStandardsAtAnyAddress(t *testing.T) {
	d := newDecoder(t)
	token := common.HexToAddress("0x00000000000000000000000000000000000000f2")
	transfer := crypto.Keccak256Hash([]byte("Transfer(address,address,uint256)"))
	erc20 := logOf(token, common.LeftPadBytes(big.NewInt(5).Bytes(), 32), transfer, addrTopic(alice), addrTopic(bob))
	erc721 := logOf(token, nil, transfer, addrTopic(alice), addrTopic(bob), common.BigToHash(big.NewInt(77)))
	ev, contract, err := d.Event(erc20)
	if err != nil || contract != "ERC-20" || string(ev.Args) != `{"from":"`+lower(alice)+`","to":"`+lower(bob)+`","value":"5"}` {
		t.Fatalf("ERC-20: %s %s %v", contract, ev.Args, err)
	}
	ev, contract, err = d.Event(erc721)
	if err != nil || contract != "ERC-721" || string(ev.Args) != `{"from":"`+lower(alice)+`","to":"`+lower(bob)+`","tokenId":"77"}` {
		t.Fatalf("ERC-721: %s %s %v", contract, ev.Args, err)
	}
}

func TestUndecodableLogs(t *testing.T) {
	d := newDecoder(t)
	transfer := event(t, "Transfer")
	for _, tc := range []struct {
		name, reason string
		log          *chaintap.Log
	}{
		{"unknown contract and event", ReasonUnknownContract, logOf(common.HexToAddress("0x99"), nil, common.HexToHash("0x1234"))},
		{"unknown event of a known contract", ReasonUnknownEvent, logOf(exchangeAddr, nil, common.HexToHash("0x1234"))},
		{"wrong topic count", ReasonTopicCount, logOf(exchangeAddr, make([]byte, 32), transfer.ID, addrTopic(alice))},
		{"truncated data", ReasonBadData, logOf(exchangeAddr, make([]byte, 7), transfer.ID, addrTopic(alice), addrTopic(bob))},
		{"topic not 32 bytes", ReasonBadData, &chaintap.Log{Address: exchangeAddr.Hex(), Topics: []string{"0x12"}, Data: "0x"}},
		{"data not hex", ReasonBadData, &chaintap.Log{Address: exchangeAddr.Hex(), Topics: []string{transfer.ID.Hex()}, Data: "zz"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := d.Event(tc.log)
			if !errors.Is(err, ErrUndecodable) || reason(err) != tc.reason {
				t.Fatalf("err = %v (reason %s), want %s", err, reason(err), tc.reason)
			}
		})
	}
	b := &chaintap.EVMBlock{Chain: "c", Logs: []chaintap.Log{*logOf(exchangeAddr, nil, common.HexToHash("0x1234"))}}
	d.Enrich(b)
	if len(b.Events) != 0 || len(b.Logs) != 1 {
		t.Fatal("an undecodable log must stay a log and make no event")
	}
	if n := counter(d.metrics.Undecoded("c", "Exchange", ReasonUnknownEvent)); n != 1 {
		t.Fatalf("undecoded metric = %v", n)
	}
}

// FuzzDecode: whatever the topics and data, the decoder neither panics nor
// returns an event with invalid JSON; what it cannot decode it says so.
func FuzzDecode(f *testing.F) {
	d := newDecoder(f)
	ev := event(f, "OrderFilled")
	f.Add(ev.ID.Bytes(), []byte{1, 2}, uint8(2), make([]byte, 64))
	f.Add(crypto.Keccak256([]byte("TransferBatch(address,address,address,uint256[],uint256[])")), []byte{}, uint8(4), make([]byte, 128))
	f.Fuzz(func(t *testing.T, topic0, topicSeed []byte, nTopics uint8, data []byte) {
		topics := []common.Hash{common.BytesToHash(topic0)}
		for i := range int(nTopics % 5) {
			topics = append(topics, crypto.Keccak256Hash(topicSeed, []byte{byte(i)}))
		}
		for _, addr := range []common.Address{exchangeAddr, common.HexToAddress("0x42")} {
			l := logOf(addr, data, topics...)
			e, _, err := d.Event(l)
			if err != nil && !errors.Is(err, ErrUndecodable) {
				t.Fatalf("error not marked undecodable: %v", err)
			}
			if err == nil && !json.Valid(e.Args) {
				t.Fatalf("invalid args JSON %s", e.Args)
			}
			for _, tr := range Transfers(l) {
				if tr.Value == "" || tr.FromAddress == "" {
					t.Fatalf("transfer with empty fields: %+v", tr)
				}
			}
		}
	})
}

func lower(a common.Address) string { return strings.ToLower(a.Hex()) }
