package kafka

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/chaintap/chaintap"
)

func ptr[T any](v T) *T { return &v }

func sampleBlock() *chaintap.EVMBlock {
	b := &chaintap.EVMBlock{Type: "block", Chain: "eth", Number: 17173049, Hash: "0xaa", ParentHash: "0xbb", Nonce: "0x00",
		Difficulty: "0", TotalDifficulty: ptr("58750003716598352816469"), Size: 40573, ExtraData: "0x7273",
		GasLimit: 30000000, GasUsed: 9755040, Timestamp: 1683029999, TransactionCount: 2, BaseFeePerGas: ptr("80869370967"),
		WithdrawalsRoot: ptr("0x06"), Withdrawals: []chaintap.Withdrawal{{Index: 1, ValidatorIndex: 2, Address: "0xb9", Amount: 45762059}},
		BlobGasUsed: ptr(uint64(0)), ExcessBlobGas: ptr(uint64(131072))}
	b.Transactions = []chaintap.Tx{
		{Type: "transaction", Chain: "eth", Hash: "0x01", Value: "1642894143", GasPrice: ptr("1"), ToAddress: ptr("0x6b"),
			ReceiptStatus: ptr(uint64(1)), ReceiptEffectiveGasPrice: ptr("2"), MaxFeePerBlobGas: ptr("3"),
			BlobVersionedHashes: []string{"0x01aa"}, ReceiptBlobGasUsed: ptr(uint64(131072)), ReceiptBlobGasPrice: ptr("1")},
		{Type: "transaction", Chain: "eth", Hash: "0x02", Value: "0", Input: "0x"},
	}
	b.Logs = []chaintap.Log{{Type: "log", Chain: "eth", TransactionHash: "0x01", Topics: []string{"0xdd", "0xee"}}, {Type: "log", Chain: "eth"}}
	b.Transfers = []chaintap.TokenTransfer{{Type: "token_transfer", TokenID: ptr("7"), OperatorAddress: ptr("0xop"), BatchIndex: 3}, {}}
	b.Events = []chaintap.Event{{Type: "event", EventName: "Transfer", Args: []byte(`{"a": [1, "x"],  "b":{"c":null}}`)}, {}}
	return b
}

// TestEncodeMatchesEncodingJSON: the hand-written encoders produce
// json.Marshal's bytes, for full and empty records and for strings that
// need escaping.
func TestEncodeMatchesEncodingJSON(t *testing.T) {
	full := sampleBlock()
	odd := &chaintap.EVMBlock{Chain: "we\"ird<&>\n\u00e9\xff", ExtraData: "\\"}
	// Event args that json.Marshal escapes (HTML characters, U+2028/9),
	// and args that are only not compact.
	for _, args := range []string{`{"s": "a<b & c>d"}`, "{\"s\":\"line\u2028sep\u2029\"}", "{ \"n\" : [ 1 , 2 ] }", `{"é":"ü"}`} {
		odd.Events = append(odd.Events, chaintap.Event{Type: "event", Args: []byte(args)})
	}
	for _, b := range []*chaintap.EVMBlock{full, {}, odd} {
		vals := []any{b}
		for i := range b.Transactions {
			vals = append(vals, &b.Transactions[i])
		}
		for i := range b.Logs {
			vals = append(vals, &b.Logs[i])
		}
		for i := range b.Transfers {
			vals = append(vals, &b.Transfers[i])
		}
		for i := range b.Events {
			vals = append(vals, &b.Events[i])
		}
		vals = append(vals, &chaintap.Tx{}, &chaintap.Log{})
		for _, v := range vals {
			want, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			got, err := appendValue(nil, v)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%T:\n got %s\nwant %s", v, got, want)
			}
		}
	}
}

// TestManifestRoundTrip: the compact manifest decodes to what was
// encoded, keys sharing a hash prefix are written once, a key that starts
// with '$' survives, and a manifest of the first (uncompacted) format still
// decodes.
func TestManifestRoundTrip(t *testing.T) {
	tx := "0x" + strings.Repeat("ab", 32)
	m := &manifest{Chain: "c", Number: 7, Hash: "0xab", Keys: map[string][]string{
		"c.logs":         {tx + ":0", tx + ":1"},
		"c.blocks":       {"7"},
		"c.transactions": {tx, "$1", "$$x", tx + ":<\"&>", "$a\"b", "é\n"},
		"c.events":       {tx + ":1"},
	}}
	enc := appendManifest(nil, m)
	if n := strings.Count(string(enc), tx); n != 1 {
		t.Errorf("the hash prefix is written %d times in %s", n, enc)
	}
	var generic map[string]any
	if err := json.Unmarshal(enc, &generic); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, enc)
	}
	got, err := decodeManifest(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, m) {
		t.Fatalf("round trip:\n got %+v\nwant %+v\n(encoded %s)", got, m, enc)
	}
	old, _ := json.Marshal(m)
	if got, err := decodeManifest(old); err != nil || !reflect.DeepEqual(got, m) {
		t.Fatalf("first format: %+v, %v", got, err)
	}
	if _, err := decodeManifest([]byte(`{"chain":"c","prefixes":["0x1"],"keys":{"t":["$5"]}}`)); err == nil {
		t.Fatal("a key naming a missing prefix decoded")
	}
}

func TestNeedsEscape(t *testing.T) {
	for _, s := range []string{"", "0x", "0x0123456789abcdef0123456789abcdef", "plain-chain_name 123"} {
		if needsEscape(s) {
			t.Errorf("%q needs no escaping", s)
		}
	}
	base := "0x0123456789abcdef0123456789abcdef"
	for _, bad := range []string{"\"", "\\", "<", ">", "&", "\n", "\x00", "\x1f", "\x7f\x80", "é"} {
		for pos := range len(base) + 1 {
			s := base[:pos] + bad + base[pos:]
			if got := needsEscape(s); !got {
				t.Fatalf("needsEscape(%q) = %v", s, got)
			}
		}
	}
}

func FuzzNeedsEscape(f *testing.F) {
	f.Add("0xabc")
	f.Add("a\"b")
	f.Fuzz(func(t *testing.T, s string) {
		want := false
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= 0x80 {
				want = true
			}
		}
		if got := needsEscape(s); got != want {
			t.Fatalf("needsEscape(%q) = %v, want %v", s, got, want)
		}
	})
}

func BenchmarkEncodeBlockRecords(b *testing.B) {
	blk := sampleBlock()
	b.Run("append", func(b *testing.B) {
		var buf []byte
		for b.Loop() {
			for _, r := range BlockRecords(blk, false) {
				buf, _ = appendValue(buf[:0], r.Value)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		for b.Loop() {
			for _, r := range BlockRecords(blk, false) {
				_, _ = json.Marshal(r.Value)
			}
		}
	})
}

// BenchmarkNeedsEscape scans the strings a block's records are mostly
// made of: hashes, addresses, hex data and a logs bloom.
func BenchmarkNeedsEscape(b *testing.B) {
	hex := strings.Repeat("0123456789abcdef", 40)
	strs := []string{"0x" + hex[:64], "0x" + hex[:40], "0x" + hex[:136], "0x" + hex[:512], "0x" + hex[:128], "12345678"}
	n := 0
	for _, s := range strs {
		n += len(s)
	}
	b.SetBytes(int64(n))
	for b.Loop() {
		for _, s := range strs {
			if needsEscape(s) {
				b.Fatal(s)
			}
		}
	}
}

// BenchmarkAppendManifest encodes the manifest of a mainnet-shaped block:
// 200 transactions, 260 logs with as many events and 160 transfers.
func BenchmarkAppendManifest(b *testing.B) {
	m := &manifest{Chain: "eth", Number: 17173049, Hash: "0x" + strings.Repeat("cd", 32), Keys: map[string][]string{"eth.blocks": {"17173049"}}}
	for i := range 200 {
		tx := fmt.Sprintf("0x%064x", i*7919)
		m.Keys["eth.transactions"] = append(m.Keys["eth.transactions"], tx)
		for j := range 1 + i%3 {
			pos := fmt.Sprintf("%s:%d", tx, j)
			m.Keys["eth.logs"] = append(m.Keys["eth.logs"], pos)
			m.Keys["eth.events"] = append(m.Keys["eth.events"], pos)
			if j == 0 {
				m.Keys["eth.token_transfers"] = append(m.Keys["eth.token_transfers"], pos)
			}
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		appendManifest(nil, m)
	}
}
