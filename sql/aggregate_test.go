package sql

import (
	"bytes"
	"encoding"
	"errors"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

var aggSeed = flag.Uint64("sql.seed", 0, "seed for randomized aggregate tests (0: from the clock; env SQL_SEED also works)")

// testSeed returns the seed to use and logs it so a failure can be replayed.
func testSeed(t *testing.T) uint64 {
	seed := *aggSeed
	if s := os.Getenv("SQL_SEED"); seed == 0 && s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("SQL_SEED: %v", err)
		}
		seed = v
	}
	if seed == 0 {
		seed = uint64(time.Now().UnixNano())
	}
	t.Logf("seed %d (replay with -sql.seed=%d or SQL_SEED=%d)", seed, seed, seed)
	return seed
}

// aggCall builds the AggregateCall for `fn(arg)` over a column of type t.
func aggCall(t testing.TB, fn string, typ *Type, extra string) *AggregateCall {
	t.Helper()
	cat := MapCatalog{"S": {Name: "S", Kind: Stream, KeyFormat: FormatKafka, ValueFormat: FormatJSON,
		Schema: &Schema{Columns: []Column{{Name: "K", Type: TypeString, Key: true}, {Name: "X", Type: typ}}}}}
	arg := "x"
	if fn == "COUNT(*)" {
		fn, arg = "COUNT", "*"
	}
	qp := planOf(t, cat, fmt.Sprintf("SELECT k, %s(%s%s) FROM s GROUP BY k EMIT CHANGES", fn, arg, extra))
	return qp.Aggregate.Aggregates[0]
}

type aggInput struct {
	v   Value
	seq int64
}

// randValue draws a value of t with many repeats and some NULLs.
func randValue(r *rand.Rand, t *Type) Value {
	if r.IntN(10) == 0 {
		return nil
	}
	switch t.Kind {
	case KindInt:
		return int32(r.IntN(20) - 10 + int(r.Int32N(3))*math.MaxInt32/2)
	case KindBigint:
		return int64(r.IntN(20)-10) * (1 + int64(r.IntN(2))*math.MaxInt64/4)
	case KindDouble:
		switch r.IntN(20) {
		case 0:
			return math.Inf(1)
		case 1:
			return math.NaN()
		}
		return (r.Float64() - 0.5) * math.Pow(10, float64(r.IntN(40)-20))
	case KindDecimal:
		d, _ := ParseDecimal(fmt.Sprintf("%d%d%d.%02d", r.Uint64(), r.Uint64(), r.Uint64(), r.IntN(100)))
		if r.IntN(2) == 0 {
			d = d.Neg()
		}
		return d
	case KindString:
		return string(rune('a' + r.IntN(8)))
	}
	return r.IntN(2) == 0
}

// TestAggregateRetractProperty adds a random multiset with positions,
// retracts a random subset in random order, and checks that the result
// and the marshalled state equal a fresh accumulator fed only the rest
// (in a shuffled order), and that the state survives a marshal round trip.
func TestAggregateRetractProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(testSeed(t), 1))
	cases := []struct {
		fn, extra string
		typ       *Type
	}{
		{"COUNT(*)", "", TypeString}, {"COUNT", "", TypeString},
		{"SUM", "", TypeInt}, {"SUM", "", TypeBigint}, {"SUM", "", TypeDouble}, {"SUM", "", DecimalType(80, 2)},
		{"AVG", "", TypeInt}, {"AVG", "", TypeDouble}, {"AVG", "", DecimalType(80, 2)},
		{"MIN", "", TypeBigint}, {"MAX", "", TypeString}, {"MIN", "", DecimalType(80, 2)}, {"MAX", "", TypeDouble},
		{"COUNT_DISTINCT", "", TypeString}, {"COLLECT_SET", "", TypeInt},
		{"LATEST_BY_OFFSET", "", TypeString}, {"EARLIEST_BY_OFFSET", "", TypeBigint},
		{"LATEST_BY_OFFSET", ", false", TypeString}, {"EARLIEST_BY_OFFSET", ", false", TypeBoolean},
	}
	for _, tc := range cases {
		call := aggCall(t, tc.fn, tc.typ, tc.extra)
		for round := 0; round < 30; round++ {
			n := r.IntN(60)
			var all []aggInput
			for i, seq := 0, int64(r.IntN(5)); i < n; i++ {
				seq += 1 + int64(r.IntN(3))
				all = append(all, aggInput{randValue(r, tc.typ), seq})
			}
			if tc.fn == "COUNT(*)" {
				for i := range all {
					all[i].v = true
				}
			}
			acc := call.NewAccumulator()
			for _, in := range shuffled(r, all) {
				mustNil(t, acc.Add(in.v, in.seq))
			}
			var keep, drop []aggInput
			for _, in := range all {
				if r.IntN(3) == 0 {
					drop = append(drop, in)
				} else {
					keep = append(keep, in)
				}
			}
			for _, in := range shuffled(r, drop) {
				mustNil(t, acc.Retract(in.v, in.seq))
			}
			fresh := call.NewAccumulator()
			for _, in := range shuffled(r, keep) {
				mustNil(t, fresh.Add(in.v, in.seq))
			}
			label := fmt.Sprintf("%s(%s%s) round %d", tc.fn, tc.typ, tc.extra, round)
			assertSameAcc(t, label, acc, fresh)
			restored := call.NewAccumulator()
			state, _ := acc.MarshalBinary()
			mustNil(t, restored.UnmarshalBinary(state))
			assertSameAcc(t, label+" after unmarshal", restored, fresh)
		}
	}
}

func shuffled(r *rand.Rand, in []aggInput) []aggInput {
	out := append([]aggInput(nil), in...)
	r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func mustNil(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func assertSameAcc(t *testing.T, label string, got, want Accumulator) {
	t.Helper()
	g, w := got.Result(), want.Result()
	if !sameResult(g, w) {
		t.Fatalf("%s: result %v (%T), want %v (%T)", label, FormatValue(g), g, FormatValue(w), w)
	}
	gs, _ := got.MarshalBinary()
	ws, _ := want.MarshalBinary()
	if !bytes.Equal(gs, ws) {
		t.Fatalf("%s: state %x, want %x", label, gs, ws)
	}
	// AppendBinary, where implemented, appends exactly MarshalBinary's bytes.
	if ba, ok := got.(encoding.BinaryAppender); ok {
		prefix := []byte("prefix")
		as, err := ba.AppendBinary(prefix[:len(prefix):len(prefix)])
		mustNil(t, err)
		if !bytes.Equal(as, append([]byte("prefix"), gs...)) {
			t.Fatalf("%s: AppendBinary %x, want prefix then %x", label, as, gs)
		}
	}
}

// sameResult is equality where NaN equals NaN and decimals compare with
// their scale.
func sameResult(a, b Value) bool {
	if fa, ok := a.(float64); ok {
		fb, ok := b.(float64)
		return ok && (fa == fb || math.IsNaN(fa) && math.IsNaN(fb))
	}
	if da, ok := a.(Decimal); ok {
		db, ok := b.(Decimal)
		return ok && da.String() == db.String()
	}
	return equalOrBothNull(a, b)
}

func TestAggregateResults(t *testing.T) {
	type in = aggInput
	cases := []struct {
		fn, extra string
		typ       *Type
		inputs    []in
		want      string
	}{
		{"COUNT(*)", "", TypeString, []in{{true, 1}, {true, 2}}, "2"},
		{"COUNT", "", TypeString, []in{{"a", 1}, {nil, 2}}, "1"},
		{"SUM", "", TypeInt, []in{{int32(math.MaxInt32), 1}, {int32(1), 2}}, "-2147483648"},
		{"SUM", "", TypeInt, []in{{nil, 1}}, "0"},
		{"SUM", "", DecimalType(78, 0), []in{{MustDecimal(uint256Max), 1}, {MustDecimal(uint256Max), 2}},
			"231584178474632390847141970017375815706539969331281128078915168015826259279870"},
		{"SUM", "", TypeDouble, []in{{0.1, 1}, {0.2, 2}, {-0.3, 3}}, "2.7755575615628914E-17"},
		{"SUM", "", TypeDouble, []in{{1e308, 1}, {1e308, 2}, {-1e308, 3}}, "1.0E308"},
		{"AVG", "", TypeInt, []in{{int32(1), 1}, {int32(2), 2}}, "1.5"},
		{"AVG", "", TypeDouble, nil, "0.0"},
		{"MIN", "", TypeString, []in{{"b", 1}, {nil, 2}, {"a", 3}}, "a"},
		{"MAX", "", TypeBigint, []in{{int64(-5), 1}, {int64(7), 2}}, "7"},
		{"MAX", "", TypeBigint, []in{{nil, 1}}, "null"},
		{"COUNT_DISTINCT", "", TypeString, []in{{"a", 1}, {"a", 2}, {"b", 3}, {nil, 4}}, "2"},
		{"COLLECT_SET", "", TypeString, []in{{"b", 1}, {"a", 2}, {"b", 3}}, "[b, a]"},
		{"LATEST_BY_OFFSET", "", TypeString, []in{{"x", 5}, {"y", 9}, {nil, 12}, {"z", 7}}, "y"},
		{"LATEST_BY_OFFSET", ", false", TypeString, []in{{"x", 5}, {nil, 12}}, "null"},
		{"EARLIEST_BY_OFFSET", "", TypeString, []in{{"x", 5}, {"w", 3}}, "w"},
	}
	for _, tc := range cases {
		acc := aggCall(t, tc.fn, tc.typ, tc.extra).NewAccumulator()
		for _, x := range tc.inputs {
			mustNil(t, acc.Add(x.v, x.seq))
		}
		if got := castToString(acc.Result()); got != tc.want {
			t.Errorf("%s(%s%s) = %s, want %s", tc.fn, tc.typ, tc.extra, got, tc.want)
		}
	}
}

func TestRetractUnknown(t *testing.T) {
	for _, fn := range []string{"COUNT", "SUM", "MIN", "COUNT_DISTINCT", "COLLECT_SET", "LATEST_BY_OFFSET"} {
		acc := aggCall(t, fn, TypeBigint, "").NewAccumulator()
		mustNil(t, acc.Add(int64(1), 1))
		var err error
		if fn == "COUNT" || fn == "SUM" {
			// They keep no values: only retracting more than was added shows.
			mustNil(t, acc.Retract(int64(1), 1))
			err = acc.Retract(int64(1), 1)
		} else {
			err = acc.Retract(int64(2), 2)
		}
		if !errors.Is(err, ErrRetractUnknown) {
			t.Errorf("%s: retracting an unknown value gave %v", fn, err)
		}
	}
}

func TestLatestByOffsetCompact(t *testing.T) {
	acc := aggCall(t, "LATEST_BY_OFFSET", TypeString, "").NewAccumulator()
	for i, v := range []string{"a", "b", "c", "d"} {
		mustNil(t, acc.Add(v, int64(i+1)))
	}
	acc.(Compactor).Compact(3)
	mustNil(t, acc.Retract("d", 4))
	mustNil(t, acc.Retract("c", 3))
	if got := acc.Result(); got != "b" {
		t.Errorf("after compaction and retraction: %v, want b", got)
	}
}

func TestAggregateStateRejectsGarbage(t *testing.T) {
	for _, fn := range []string{"COUNT", "SUM", "AVG", "MIN", "COUNT_DISTINCT", "COLLECT_SET", "LATEST_BY_OFFSET"} {
		acc := aggCall(t, fn, TypeDouble, "").NewAccumulator()
		mustNil(t, acc.Add(1.5, 1))
		state, _ := acc.MarshalBinary()
		bad := append(state, 0x7f)
		if err := aggCall(t, fn, TypeDouble, "").NewAccumulator().UnmarshalBinary(bad); err == nil {
			t.Errorf("%s accepted trailing garbage", fn)
		}
	}
}

func TestByOffsetEqualPositionsOrderIndependent(t *testing.T) {
	call := aggCall(t, "LATEST_BY_OFFSET", TypeString, "")
	a, b := call.NewAccumulator(), call.NewAccumulator()
	mustNil(t, a.Add("x", 5))
	mustNil(t, a.Add("y", 5))
	mustNil(t, b.Add("y", 5))
	mustNil(t, b.Add("x", 5))
	assertSameAcc(t, "equal positions", a, b)
}
