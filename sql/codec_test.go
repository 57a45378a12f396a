package sql

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func eventsSchema() *Schema {
	args := StructType(Field{Name: "BATTERY", Type: TypeString}, Field{Name: "CHARGECYCLES", Type: DecimalType(78, 0)})
	return &Schema{Columns: []Column{
		{Name: "ID", Type: TypeString, Key: true},
		{Name: "CHAIN", Type: TypeString},
		{Name: "BLOCK_NUMBER", Type: TypeBigint},
		{Name: "BLOCK_HASH", Type: TypeString},
		{Name: "TRANSACTION_HASH", Type: TypeString},
		{Name: "LOG_INDEX", Type: TypeInt},
		{Name: "ADDRESS", Type: TypeString},
		{Name: "CONTRACT", Type: TypeString},
		{Name: "EVENT", Type: TypeString},
		{Name: "ARGS", Type: args},
	}}
}

const eventJSON = `{"chain":"devchain","block_number":12,"block_hash":"0xabc","transaction_hash":"0xdef",` +
	`"log_index":0,"address":"0x01","contract":"BatteryRegistry","event":"ChargeRecorded",` +
	`"args":{"battery":"0x13e4","chargeCycles":"115792089237316195423570985008687907853269984665640564039457584007913129639935"},"extra":[1,{"x":null}]}`

func TestDecodeJSONEvent(t *testing.T) {
	row, err := DecodeJSON(eventsSchema(), []byte(eventJSON))
	if err != nil {
		t.Fatal(err)
	}
	if row[0] != nil || row[1] != "devchain" || row[2] != int64(12) || row[5] != int32(0) {
		t.Errorf("row = %v", row)
	}
	args := row[9].(Struct)
	if args[0] != "0x13e4" {
		t.Errorf("args = %v", args)
	}
	if got := args[1].(Decimal).String(); got != "115792089237316195423570985008687907853269984665640564039457584007913129639935" {
		t.Errorf("uint256 max decoded as %s", got)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	schema := &Schema{Columns: []Column{
		{Name: "K", Type: TypeString, Key: true},
		{Name: "B", Type: TypeBoolean},
		{Name: "I", Type: TypeInt},
		{Name: "L", Type: TypeBigint},
		{Name: "D", Type: TypeDouble},
		{Name: "DEC", Type: DecimalType(78, 2)},
		{Name: "S", Type: TypeString},
		{Name: "BY", Type: TypeBytes},
		{Name: "TS", Type: TypeTimestamp},
		{Name: "DT", Type: TypeDate},
		{Name: "TM", Type: TypeTime},
		{Name: "A", Type: ArrayType(TypeInt)},
		{Name: "M", Type: MapType(TypeString)},
		{Name: "ST", Type: StructType(Field{Name: "X", Type: TypeInt}, Field{Name: "lower", Type: TypeString})},
		{Name: "N", Type: TypeString},
	}}
	row := Row{nil, true, int32(-7), int64(1) << 60, 1.5e300, MustDecimal("-123456789012345678901234567890.25"),
		"quote\" backslash\\ newline\n tab\t ctl\x01 é", []byte{0, 1, 255}, Timestamp(1700000000123), Date(19000), Time(3600000),
		[]Value{int32(1), nil, int32(3)}, map[string]Value{"b": "2", "a": nil}, Struct{int32(5), "v"}, nil}
	enc := EncodeJSON(schema, row)
	got, err := DecodeJSON(schema, enc)
	if err != nil {
		t.Fatalf("%s: %v", enc, err)
	}
	for i := range row {
		if !equalOrBothNull(row[i], got[i]) {
			t.Errorf("column %s: %v (%T) came back as %v (%T) via %s", schema.Columns[i].Name, row[i], row[i], got[i], got[i], enc)
		}
	}
	if bytes.Contains(enc, []byte(`"K"`)) {
		t.Errorf("key column written into the value: %s", enc)
	}
	if !bytes.Contains(enc, []byte(`"DEC":-123456789012345678901234567890.25`)) {
		t.Errorf("decimal not written as an exact JSON number: %s", enc)
	}
}

func TestEncodeJSONMatchesKsqlDB(t *testing.T) {
	schema := &Schema{Columns: []Column{{Name: "D", Type: TypeDouble}, {Name: "E", Type: TypeDouble},
		{Name: "F", Type: TypeDouble}, {Name: "DEC", Type: DecimalType(5, 2)}, {Name: "quoted", Type: TypeInt}}}
	got := string(EncodeJSON(schema, Row{1.0, 1e10, math.NaN(), MustDecimal("1.50"), int32(2)}))
	want := `{"D":1.0,"E":1.0E10,"F":"NaN","DEC":1.50,"quoted":2}`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestDecodeJSONCaseInsensitiveAndStringsForNumbers(t *testing.T) {
	schema := &Schema{Columns: []Column{{Name: "VALUE", Type: DecimalType(78, 0)}, {Name: "GAS", Type: TypeBigint},
		{Name: "OK", Type: TypeBoolean}, {Name: "RAW", Type: TypeString}, {Name: "R", Type: TypeDouble}}}
	row, err := DecodeJSON(schema, []byte(`{"Value":"1000000000000000000000","gas":"21000","OK":"TRUE","raw":{"a":[1]},"r":"2.5"}`))
	if err != nil {
		t.Fatal(err)
	}
	if row[0].(Decimal).String() != "1000000000000000000000" || row[1] != int64(21000) || row[2] != true ||
		row[3] != `{"a":[1]}` || row[4] != 2.5 {
		t.Errorf("row = %#v", row)
	}
}

func TestDecodeJSONMismatchNamesColumn(t *testing.T) {
	schema := eventsSchema()
	cases := []struct{ doc, want string }{
		{`{"block_number":"twelve"}`, `column 'BLOCK_NUMBER': expected BIGINT but found string "twelve"`},
		{`{"log_index":1.5}`, `column 'LOG_INDEX': expected INTEGER but found number 1.5`},
		{`{"log_index":99999999999}`, `column 'LOG_INDEX': expected INTEGER but found number 99999999999`},
		{`{"args":{"chargeCycles":true}}`, `column 'ARGS->CHARGECYCLES': expected DECIMAL(78, 0) but found boolean true`},
		{`{"args":{"chargeCycles":"1e80"}}`, `column 'ARGS->CHARGECYCLES': expected DECIMAL(78, 0) but found number 1e80 (too many digits)`},
		{`{"args":[1]}`, `column 'ARGS': expected STRUCT<BATTERY STRING, CHARGECYCLES DECIMAL(78, 0)> but found array [1]`},
		{`{"chain":"x",}`, `malformed JSON at byte 13: expected a string`},
		{`[1]`, `malformed JSON at byte 0: expected a JSON object`},
		{`{"chain":"x"} x`, `malformed JSON at byte 14: unexpected data after the object`},
	}
	for _, tc := range cases {
		_, err := DecodeJSON(schema, []byte(tc.doc))
		var de *DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%s: got %v, want a *DecodeError", tc.doc, err)
			continue
		}
		if err.Error() != tc.want {
			t.Errorf("%s:\n got: %s\nwant: %s", tc.doc, err, tc.want)
		}
	}
}

func TestDecodeJSONTombstone(t *testing.T) {
	row, err := DecodeJSON(eventsSchema(), []byte(" null "))
	if row != nil || err != nil {
		t.Errorf("null decoded as %v, %v", row, err)
	}
}

func TestKafkaKeyFormat(t *testing.T) {
	cases := []struct {
		t    *Type
		v    Value
		want []byte
	}{
		{TypeString, "0xab", []byte("0xab")},
		{TypeInt, int32(-2), []byte{0xff, 0xff, 0xff, 0xfe}},
		{TypeBigint, int64(258), []byte{0, 0, 0, 0, 0, 0, 1, 2}},
		{TypeDouble, 1.0, []byte{0x3f, 0xf0, 0, 0, 0, 0, 0, 0}},
		{TypeBytes, []byte{9}, []byte{9}},
	}
	for _, tc := range cases {
		cols := []Column{{Name: "K", Type: tc.t, Key: true}}
		b, err := EncodeKey(FormatKafka, cols, Row{tc.v})
		if err != nil || !bytes.Equal(b, tc.want) {
			t.Errorf("%s %v: got %x, %v; want %x", tc.t, tc.v, b, err, tc.want)
			continue
		}
		back, err := DecodeKey(FormatKafka, cols, b)
		if err != nil || !Equal(back[0], tc.v) {
			t.Errorf("%s: decoded %v, %v", tc.t, back, err)
		}
	}
	if _, err := DecodeKey(FormatKafka, []Column{{Name: "K", Type: TypeInt}}, []byte{1, 2}); err == nil || !strings.Contains(err.Error(), "4 bytes") {
		t.Errorf("short INT key: %v", err)
	}
}

func TestJSONKeyFormat(t *testing.T) {
	one := []Column{{Name: "K", Type: TypeString, Key: true}}
	b, err := EncodeKey(FormatJSON, one, Row{"a\"b"})
	if err != nil || string(b) != `"a\"b"` {
		t.Fatalf("single JSON key: %s %v", b, err)
	}
	back, err := DecodeKey(FormatJSON, one, b)
	if err != nil || back[0] != "a\"b" {
		t.Fatalf("decoded %v %v", back, err)
	}
	two := []Column{{Name: "A", Type: TypeString, Key: true}, {Name: "B", Type: DecimalType(78, 0), Key: true}}
	b, err = EncodeKey(FormatJSON, two, Row{"x", MustDecimal("12")})
	if err != nil || string(b) != `{"A":"x","B":12}` {
		t.Fatalf("multi JSON key: %s %v", b, err)
	}
	back, err = DecodeKey(FormatJSON, two, b)
	if err != nil || back[0] != "x" || back[1].(Decimal).String() != "12" {
		t.Fatalf("decoded %v %v", back, err)
	}
}

func TestWindowedKeys(t *testing.T) {
	key := []byte("acct")
	tw := AppendTimeWindowedKey(nil, key, 3_600_000)
	if want := append([]byte("acct"), 0, 0, 0, 0, 0, 0x36, 0xee, 0x80); !bytes.Equal(tw, want) {
		t.Errorf("time-windowed key %x, want %x", tw, want)
	}
	k, start, err := SplitTimeWindowedKey(tw)
	if err != nil || string(k) != "acct" || start != 3_600_000 {
		t.Errorf("split: %s %d %v", k, start, err)
	}
	sw := AppendSessionWindowedKey(nil, key, 10, 20)
	if want := append([]byte("acct"), 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 10); !bytes.Equal(sw, want) {
		t.Errorf("session key %x, want %x (end before start)", sw, want)
	}
	k, s, e, err := SplitSessionWindowedKey(sw)
	if err != nil || string(k) != "acct" || s != 10 || e != 20 {
		t.Errorf("split session: %s %d %d %v", k, s, e, err)
	}
	if _, _, err := SplitTimeWindowedKey([]byte{1}); err == nil {
		t.Error("short windowed key accepted")
	}
}

func TestBinaryValueRoundTrip(t *testing.T) {
	row := Row{nil, true, false, int32(-1), int64(math.MinInt64), -0.0, MustDecimal("-0.001"),
		MustDecimal("115792089237316195423570985008687907853269984665640564039457584007913129639935"),
		"s", []byte{}, Timestamp(-5), Date(3), Time(4), []Value{"a", nil}, map[string]Value{"z": int32(1), "a": Struct{nil}}}
	b := AppendRow(nil, row)
	got, rest, err := ReadRow(b)
	if err != nil || len(rest) != 0 {
		t.Fatal(err, rest)
	}
	for i := range row {
		if !equalOrBothNull(row[i], got[i]) {
			t.Errorf("value %d: %#v came back as %#v", i, row[i], got[i])
		}
	}
	if !bytes.Equal(AppendRow(nil, got), b) {
		t.Error("re-encoding differs")
	}
	for n := range b {
		if _, _, err := ReadRow(b[:n]); err == nil {
			t.Errorf("truncated encoding of %d bytes accepted", n)
		}
	}
}

func TestDecodeJSONMismatchNamesNestedPath(t *testing.T) {
	s := StructType(Field{Name: "N", Type: TypeInt})
	schema := &Schema{Columns: []Column{
		{Name: "A", Type: ArrayType(s)},
		{Name: "M", Type: MapType(ArrayType(TypeInt))},
	}}
	dec := NewRowDecoder(schema) // one decoder: each error's path must not leak into the next
	cases := []struct{ doc, want string }{
		{`{"a":[{"n":1},{"n":"x"}]}`, `column 'A[1]->N': expected INTEGER but found string "x"`},
		{`{"m":{"k":[1,2,true]}}`, `column 'M['k'][2]': expected INTEGER but found boolean true`},
		{`{"a":[{"n":1}],"m":{"k":"v"}}`, `column 'M['k']': expected ARRAY<INTEGER> but found string "v"`},
		{`{"a":[true]}`, `column 'A[0]': expected STRUCT<N INTEGER> but found boolean true`},
	}
	for _, tc := range cases {
		_, err := dec.Decode([]byte(tc.doc))
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got: %v\nwant: %s", tc.doc, err, tc.want)
		}
	}
}

// TestRowDecoderInternsStrings: a long-lived decoder reuses the strings
// (and BIGINTs) of values that repeat (no allocation for them), and still decodes every
// value, repeated or new, colliding or not, exactly.
func TestRowDecoderInternsStrings(t *testing.T) {
	schema := eventsSchema()
	dec := NewRowDecoder(schema)
	doc := func(i int) []byte {
		return fmt.Appendf(nil, `{"chain":"devchain","block_number":%d,"block_hash":"0x%x","transaction_hash":"0x%064x","contract":{"nested":%d},`+
			`"event":%d,"args":{"battery":"bé%d"}}`, 1000+i/20, i/20, i, i%7, i%3, i%5000)
	}
	for i := 0; i < 50_000; i++ {
		row, err := dec.Decode(doc(i))
		if err != nil {
			t.Fatal(err)
		}
		want := []Value{nil, "devchain", int64(1000 + i/20), fmt.Sprintf("0x%x", i/20), fmt.Sprintf("0x%064x", i), nil, nil,
			fmt.Sprintf(`{"nested":%d}`, i%7), strconv.Itoa(i % 3), Struct{fmt.Sprintf("bé%d", i%5000), nil}}
		if !reflect.DeepEqual([]Value(row), want) {
			t.Fatalf("doc %d: got %#v\nwant %#v", i, row, want)
		}
	}
	same := doc(1)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := dec.Decode(same); err != nil {
			t.Fatal(err)
		}
	})
	// Every string and BIGINT repeats, so only the row and the args STRUCT (its
	// slice and its boxing as a Value) are allocated.
	if allocs > 3 {
		t.Errorf("decoding a document whose strings all repeat: %v allocations, want ≤ 3", allocs)
	}
}

// TestRowDecoderCachedNumbersKeepTheirType: BIGINT and TIMESTAMP values
// share the number cache and must not be confused.
func TestRowDecoderCachedNumbersKeepTheirType(t *testing.T) {
	dec := NewRowDecoder(&Schema{Columns: []Column{{Name: "B", Type: TypeBigint}, {Name: "T", Type: TypeTimestamp}}})
	for i := 0; i < 2000; i++ {
		n := int64(1_700_000_000_000 + i%300)
		row, err := dec.Decode(fmt.Appendf(nil, `{"b":%d,"t":%d}`, n, n))
		if err != nil {
			t.Fatal(err)
		}
		if row[0] != n || row[1] != Timestamp(n) {
			t.Fatalf("row %d = %#v, want %d and TIMESTAMP %d", i, row, n, n)
		}
	}
}
