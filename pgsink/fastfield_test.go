package pgsink

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/sql"
)

// TestFastTupleMatchesDecoder is the oracle test of the binary path's
// shortcut: for random documents over random columns, a tuple the fast
// path writes (JSON text straight to COPY fields) must be byte for byte
// the tuple of the general path (sql's decoder, then appendField), and a
// record the general path rejects must never pass the fast one. Texts mix
// the plain shapes the fast path takes with the ones it must leave to the
// decoder (exponents, quotes, escapes, rounding, overflow, bad UTF-8).
func TestFastTupleMatchesDecoder(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 7))
	fast, total := 0, 0
	for schema := range 60 {
		cols, keyDecl := randomColumns(rng)
		src, err := SourceFromColumns(cols, "t", keyDecl)
		if err != nil {
			t.Fatalf("schema %d %q: %v", schema, cols, err)
		}
		d := newDecoder(src, newKeyTable(false), true)
		for range 300 {
			r := &kgo.Record{Key: randomKey(rng, keyDecl, cols), Value: randomDocument(rng, d)}
			total++
			got, gotNull, ok := d.enc.fast(nil, r)
			row, wantNull, err := d.row(r, false)
			var want []byte
			if err == nil && !wantNull {
				want, err = appendRow(nil, d.cols, row)
			}
			if !ok {
				if len(got) != 0 {
					t.Fatalf("seed %d: a refused record left %d bytes", seed, len(got))
				}
				continue
			}
			fast++
			if err != nil {
				t.Fatalf("seed %d, columns %q, key %x, value %s: the fast path took what the decoder rejects: %v", seed, cols, r.Key, r.Value, err)
			}
			if gotNull != wantNull || !bytes.Equal(got, want) {
				t.Fatalf("seed %d, columns %q, key %x, value %s:\nfast    %x (null %v)\ndecoder %x (null %v)", seed, cols, r.Key, r.Value, got, gotNull, want, wantNull)
			}
		}
	}
	// The oracle must not be vacuous: most documents are plain.
	if fast < total/3 {
		t.Fatalf("only %d of %d records took the fast path", fast, total)
	}
	t.Logf("%d of %d records took the fast path", fast, total)
}

var fastKinds = []string{"STRING", "BOOLEAN", "INT", "BIGINT", "DOUBLE", "TIMESTAMP", "DATE", "DECIMAL"}

// randomColumns declares 1–6 value columns and maybe a key column (KAFKA
// or JSON key format).
func randomColumns(rng *rand.Rand) (cols, keyFormat string) {
	var parts []string
	switch rng.IntN(4) {
	case 0:
		parts = append(parts, "k STRING KEY")
	case 1:
		parts = append(parts, "k BIGINT KEY")
	case 2:
		parts, keyFormat = append(parts, "k STRING KEY"), "JSON"
	}
	for i := range 1 + rng.IntN(6) {
		kind := fastKinds[rng.IntN(len(fastKinds))]
		if kind == "DECIMAL" {
			p := 1 + rng.IntN(30)
			kind = fmt.Sprintf("DECIMAL(%d,%d)", p, rng.IntN(p+1))
		}
		parts = append(parts, fmt.Sprintf("c%d %s", i, kind))
	}
	return strings.Join(parts, ", "), keyFormat
}

func randomKey(rng *rand.Rand, keyFormat, cols string) []byte {
	switch {
	case strings.HasPrefix(cols, "k BIGINT"):
		if rng.IntN(10) == 0 {
			return []byte{1, 2, 3} // the wrong length: the decoder's error
		}
		return binary.BigEndian.AppendUint64(nil, rng.Uint64())
	case keyFormat == "JSON":
		return []byte(fmt.Sprintf("%q", fmt.Sprint("key-", rng.IntN(100))))
	case strings.HasPrefix(cols, "k STRING"):
		return []byte(fmt.Sprint("key-", rng.IntN(100)))
	}
	return nil
}

// randomDocument writes a JSON object with some of d's value columns
// (names in random case, sometimes twice, unknown members between).
func randomDocument(rng *rand.Rand, d *decoder) []byte {
	if rng.IntN(50) == 0 {
		return []byte("null")
	}
	if rng.IntN(80) == 0 {
		return []byte(`{"C0": 1`) // malformed
	}
	plain := rng.IntN(2) == 0 // every value of a shape the fast path takes
	var members []string
	for _, c := range d.cols {
		if c.Key || rng.IntN(6) == 0 {
			continue
		}
		name := c.Name
		if rng.IntN(2) == 0 {
			name = strings.ToLower(name)
		}
		if plain {
			members = append(members, fmt.Sprintf("%q:%s", name, plainText(rng, c.Type)))
			continue
		}
		members = append(members, fmt.Sprintf("%q:%s", name, randomText(rng, c.Type.Kind.String())))
		if rng.IntN(15) == 0 {
			members = append(members, fmt.Sprintf("%q:%s", name, randomText(rng, c.Type.Kind.String())))
		}
		if rng.IntN(8) == 0 {
			members = append(members, `"other":{"a":[1,2,"x"]}`)
		}
	}
	return []byte("{" + strings.Join(members, ", ") + "}")
}

// plainText is a JSON text of t's type that the fast path takes.
func plainText(rng *rand.Rand, t *sql.Type) string {
	switch t.Kind {
	case sql.KindString:
		return []string{`"plain"`, `""`, `"héllo wörld"`, fmt.Sprintf(`"s%d"`, rng.IntN(1000)), "null"}[rng.IntN(5)]
	case sql.KindBoolean:
		return []string{"true", "false"}[rng.IntN(2)]
	case sql.KindDouble:
		return []string{"0.5", "-12.25", "3", "1e300", "-0"}[rng.IntN(5)]
	case sql.KindInt, sql.KindDate:
		return fmt.Sprint(rng.Int32() - 1<<30)
	case sql.KindBigint, sql.KindTimestamp:
		return fmt.Sprint(rng.Int64N(2e17) - 1e17)
	case sql.KindDecimal:
		n := fmt.Sprint(rng.Int64N(pow10(min(t.Precision-t.Scale, 18))))
		if t.Scale > 0 {
			frac := make([]byte, 1+rng.IntN(min(t.Scale, 6)))
			for i := range frac {
				frac[i] = byte('0' + rng.IntN(10))
			}
			n += "." + string(frac)
		}
		if rng.IntN(3) == 0 {
			n = "-" + n
		}
		return n
	}
	return "null"
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// randomText is a JSON text for a column of kind: mostly of its type,
// plain or not, sometimes of another.
func randomText(rng *rand.Rand, kind string) string {
	if rng.IntN(12) == 0 {
		return "null"
	}
	if rng.IntN(12) == 0 { // any shape, whatever the column
		kind = fastKinds[rng.IntN(len(fastKinds))]
	}
	switch kind {
	case "STRING":
		return []string{`"plain"`, `""`, `"héllo wörld"`, `"tab\tescaped"`, `"quote \" inside"`, `"\u00e9"`,
			"\"bad \xff utf8\"", `12`, `true`, `{"nested":1}`, `[1,2]`, fmt.Sprintf(`"s%d"`, rng.IntN(1000))}[rng.IntN(12)]
	case "BOOLEAN":
		return []string{"true", "false", `"true"`, `"FALSE"`, "1", `"yes"`}[rng.IntN(6)]
	case "DOUBLE":
		return []string{"0.5", "-12.25", "1e300", "1e400", "-0", "3", `"2.5"`, "1.7976931348623157e308", "5e-324"}[rng.IntN(9)]
	}
	return randomNumber(rng)
}

// randomNumber is a JSON number (or a string or a stray text): integers
// of 1–22 digits, decimals with 0–6 fraction digits, signs, leading
// zeros, exponents.
func randomNumber(rng *rand.Rand) string {
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + rng.IntN(10)))
		}
		return b.String()
	}
	n := digits(1 + rng.IntN(22))
	if rng.IntN(3) == 0 {
		n = fmt.Sprint(rng.IntN(100000))
	}
	if rng.IntN(2) == 0 {
		n += "." + digits(1+rng.IntN(6))
	}
	if rng.IntN(3) == 0 {
		n = "-" + n
	}
	switch rng.IntN(12) {
	case 0:
		return n + "e" + fmt.Sprint(rng.IntN(5))
	case 1:
		return `"` + n + `"`
	case 2:
		return "-0"
	case 3:
		return "0.000"
	case 4:
		return "1-2"
	case 5:
		return `"x"`
	}
	return n
}
