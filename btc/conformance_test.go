package btc

// The bitcoin-etl conformance tests: real Bitcoin and Dogecoin JSON-RPC
// answers and bitcoin-etl's expected outputs (testdata/conformance, see
// its README). Every field of every expected record is compared with
// ours; the only differences allowed are the documented ones
// (docs/records.md, "Bitcoin: where we differ"), listed here.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/internal/conformance"
	"github.com/chaintap/chaintap/internal/rpcscript"
)

// notOurs are fields bitcoin-etl writes that we do not.
var notOurs = map[string]string{
	"item_id": "the Kafka key is the record's identity",
}

// allowed is a documented difference: it reports whether our value g may
// stand where bitcoin-etl wrote w, given the whole expected record.
type allowed func(rec map[string]any, w, g any) bool

// unresolved: bitcoin-etl's export without its enrichment step leaves
// every input's spent output unknown (type, addresses, value and
// required_signatures null or empty), writes input_value 0 and so a fee of
// minus the output value. chaintap always resolves inputs; where the same
// transaction appears resolved in the corpus (the streaming case) those
// values are compared there.
func unresolvedInput(_ map[string]any, w, _ any) bool {
	if w == nil {
		return true
	}
	l, ok := w.([]any)
	return ok && len(l) == 0
}

var differences = map[string]allowed{
	// A transaction's position in its block: bitcoin-etl writes null when it
	// fetched the block's transactions one by one (a node without verbosity 2).
	"transactions.index":         func(_ map[string]any, w, _ any) bool { return w == nil },
	"inputs.type":                unresolvedInput,
	"inputs.addresses":           unresolvedInput,
	"inputs.value":               unresolvedInput,
	"inputs.required_signatures": unresolvedInput,
	"transactions.input_value": func(rec map[string]any, w, _ any) bool {
		return isZero(w) && unresolvedTx(rec)
	},
	"transactions.fee": func(rec map[string]any, w, _ any) bool {
		return unresolvedTx(rec) && numEq(w, "-"+fmt.Sprint(rec["output_value"]))
	},
}

// unresolvedTx reports whether bitcoin-etl left rec's inputs unresolved.
func unresolvedTx(rec map[string]any) bool {
	ins, _ := rec["inputs"].([]any)
	for _, in := range ins {
		if m, ok := in.(map[string]any); ok && m["value"] == nil {
			return true
		}
	}
	return false
}

func isZero(v any) bool { return numEq(v, "0") }

func numEq(v any, s string) bool {
	n, ok := v.(json.Number)
	return ok && n.String() == s
}

// compare returns every difference between an expected record and ours
// that is not documented; entity is "blocks" or "transactions".
func compare(entity, what string, want map[string]any, got any) []string {
	ours, err := toMap(got)
	if err != nil {
		return []string{err.Error()}
	}
	return compareMaps(entity, what, want, want, ours)
}

func compareMaps(entity, what string, rec, want, ours map[string]any) []string {
	var out []string
	for _, field := range slices.Sorted(mapsKeys(want)) {
		w := want[field]
		if _, ok := notOurs[field]; ok {
			continue
		}
		g, ok := ours[field]
		if !ok {
			out = append(out, fmt.Sprintf("%s: field %s missing", what, field))
			continue
		}
		if field == "inputs" || field == "outputs" {
			out = append(out, compareLists(field, what+"."+field, rec, w, g)...)
			continue
		}
		if same(w, g) {
			continue
		}
		if ok := differences[entity+"."+field]; ok != nil && ok(rec, w, g) {
			continue
		}
		out = append(out, fmt.Sprintf("%s: field %s = %s, bitcoin-etl has %s", what, field, js(g), js(w)))
	}
	return out
}

// compareLists compares inputs or outputs element by element.
func compareLists(field, what string, rec map[string]any, w, g any) []string {
	wl, _ := w.([]any)
	gl, _ := g.([]any)
	if len(wl) != len(gl) {
		return []string{fmt.Sprintf("%s: %d elements, bitcoin-etl has %d", what, len(gl), len(wl))}
	}
	var out []string
	for i := range wl {
		wm, _ := wl[i].(map[string]any)
		gm, _ := gl[i].(map[string]any)
		out = append(out, compareMaps(field, fmt.Sprintf("%s[%d]", what, i), rec, wm, gm)...)
	}
	return out
}

func same(w, g any) bool { return js(w) == js(g) }

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func mapsKeys(m map[string]any) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func toMap(v any) (map[string]any, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var m map[string]any
	return m, dec.Decode(&m)
}

// node serves a case's recorded answers, plus every transaction recorded
// anywhere in the coin's corpus (a node with -txindex knows them all).
func node(t *testing.T, coin, dir string) *rpcscript.Server {
	t.Helper()
	srv := rpcscript.Start()
	t.Cleanup(srv.Close)
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), "*", "rpc_response_getrawtransaction_*.json"))
	own, _ := filepath.Glob(filepath.Join(dir, "rpc_response_*.json"))
	for _, f := range append(files, own...) {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "rpc_response_"), ".json")
		parts := strings.Split(name, "_")
		switch parts[0] {
		case "getblockhash":
			n, _ := strconv.ParseUint(parts[1], 10, 64)
			srv.Answer("getblockhash", []any{n}, raw)
		case "getblock":
			switch parts[2] {
			case "2":
				srv.Answer("getblock", []any{parts[1], 2}, raw)
			case "True":
				srv.Answer("getblock", []any{parts[1], true}, raw)
				// Dogecoin's node takes a boolean there and refuses 2.
				srv.Refuse("getblock", []any{parts[1], 2}, -1, "JSON value is not a boolean as expected")
			}
		case "getrawtransaction":
			srv.Answer("getrawtransaction", []any{parts[1], 1}, raw)
		case "getblockcount":
			srv.Answer("getblockcount", nil, raw)
		}
	}
	return srv
}

type corpusCase struct{ coin, name, dir string }

// cases lists the corpus's cases that hold node answers.
func cases(t *testing.T) []corpusCase {
	root := filepath.Join(conformance.BitcoinDir(t), "test_export_blocks_job")
	var out []corpusCase
	for _, coin := range []string{"bitcoin", "dogecoin"} {
		dirs, _ := filepath.Glob(filepath.Join(root, coin, "*"))
		for _, d := range dirs {
			if rs, _ := filepath.Glob(filepath.Join(d, "rpc_response_getblock_*")); len(rs) > 0 {
				out = append(out, corpusCase{coin, filepath.Base(d), d})
			}
		}
	}
	if len(out) < 6 {
		t.Fatalf("found %d cases with node answers in the corpus, want 6", len(out))
	}
	return out
}

// ourRecords fetches the blocks a case expects and returns, by entity and
// hash, our records as the publisher encodes them.
func ourRecords(t *testing.T, c corpusCase) (map[string]map[string]any, []map[string]any, []map[string]any) {
	t.Helper()
	srv := node(t, c.coin, c.dir)
	src := New(Config{Chain: c.coin, URL: srv.URL, Retry: RetryPolicy{Initial: 1, Max: 1, NotFound: 1, Wrong: 1}}, nil, nil)
	wantBlocks := conformance.Lines(t, filepath.Join(c.dir, "expected_blocks.json"))
	wantTxs := conformance.Lines(t, filepath.Join(c.dir, "expected_transactions.json"))
	ours := map[string]map[string]any{"blocks": {}, "transactions": {}}
	for _, wb := range wantBlocks {
		n, _ := strconv.ParseUint(fmt.Sprint(wb["number"]), 10, 64)
		b, err := src.BitcoinBlockByNumber(context.Background(), n)
		if err != nil {
			t.Fatalf("%s/%s: block %d: %v", c.coin, c.name, n, err)
		}
		for _, r := range b.Records() {
			var key string
			if r.Entity == chaintap.EntityBlocks {
				key = b.Hash
			} else {
				key = r.Key
			}
			ours[r.Entity][key] = r.Value
		}
	}
	return ours, wantBlocks, wantTxs
}

// TestConformanceBitcoinETL: for every case with node answers, every field
// of every expected block and transaction equals ours but for the
// documented differences.
func TestConformanceBitcoinETL(t *testing.T) {
	for _, c := range cases(t) {
		t.Run(c.coin+"/"+c.name, func(t *testing.T) {
			ours, wantBlocks, wantTxs := ourRecords(t, c)
			if len(wantTxs) == 0 {
				t.Fatal("no expected transactions")
			}
			for _, diff := range diffAll(ours, wantBlocks, wantTxs) {
				t.Error(diff)
			}
		})
	}
}

func diffAll(ours map[string]map[string]any, wantBlocks, wantTxs []map[string]any) []string {
	var out []string
	for entity, want := range map[string][]map[string]any{"blocks": wantBlocks, "transactions": wantTxs} {
		for _, w := range want {
			hash := fmt.Sprint(w["hash"])
			got, ok := ours[entity][hash]
			if !ok {
				out = append(out, fmt.Sprintf("%s %s: not among ours", entity, hash))
				continue
			}
			out = append(out, compare(entity, entity+" "+hash, w, got)...)
		}
	}
	return out
}

// TestConformanceCatchesPlantedFaults: the comparison is not vacuous. One
// satoshi more on an output, a resolved input's address changed, a fee
// off by one in a case where bitcoin-etl resolved inputs, a block field
// changed: each is reported.
func TestConformanceCatchesPlantedFaults(t *testing.T) {
	var stream corpusCase
	for _, c := range cases(t) {
		if c.name == "stream_50001_50002" {
			stream = c
		}
	}
	faults := map[string]func(b map[string]map[string]any){
		"output value": func(o map[string]map[string]any) {
			tx := o["transactions"]["7940cdde4d713e171849efc6bd89939185be270266c94e92369e3877ad89455a"].(*chaintap.BitcoinTx)
			tx.Outputs[0].Value++
		},
		"input address": func(o map[string]map[string]any) {
			tx := o["transactions"]["7940cdde4d713e171849efc6bd89939185be270266c94e92369e3877ad89455a"].(*chaintap.BitcoinTx)
			tx.Inputs[1].Addresses = []string{"1HaHTfmvoUW6i6nhJf8jJs6tU4cHNmBQHQ"}
		},
		"fee": func(o map[string]map[string]any) {
			tx := o["transactions"]["7940cdde4d713e171849efc6bd89939185be270266c94e92369e3877ad89455a"].(*chaintap.BitcoinTx)
			tx.Fee++
		},
		"block nonce": func(o map[string]map[string]any) {
			b := o["blocks"]["000000002066d7f9b134c30b5005b7bf5fbfa52f279883f1fde793dcdc964266"].(*chaintap.BitcoinBlock)
			b.Nonce = "959c27"
		},
		"missing transaction": func(o map[string]map[string]any) {
			delete(o["transactions"], "e1882d41800d96d0fddc196cd8d3f0b45d65b030c652d97eaba79a1174e64d58")
		},
	}
	for name, plant := range faults {
		t.Run(name, func(t *testing.T) {
			ours, wantBlocks, wantTxs := ourRecords(t, stream)
			if d := diffAll(ours, wantBlocks, wantTxs); len(d) != 0 {
				t.Fatalf("differences before the fault was planted: %v", d)
			}
			plant(ours)
			if d := diffAll(ours, wantBlocks, wantTxs); len(d) != 1 {
				t.Fatalf("planted fault gave %d differences, want 1: %v", len(d), d)
			}
		})
	}
}

// TestConformanceAmountsExact: every amount in every expected file of
// the corpus (Dogecoin's float-precision case too) survives the way nodes
// write it: Core's fixed eight decimals, and btcd's shortest float (Go's
// encoding/json), e.g. 149620.0001 and 1e-08.
func TestConformanceAmountsExact(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(conformance.BitcoinDir(t), "test_export_blocks_job", "*", "*", "expected_transactions.json"))
	checked := 0
	for _, f := range files {
		for _, tx := range conformance.Lines(t, f) {
			for _, field := range []string{"outputs", "inputs"} {
				list, _ := tx[field].([]any)
				for _, o := range list {
					v, ok := o.(map[string]any)["value"].(json.Number)
					if !ok {
						continue
					}
					sat, err := strconv.ParseUint(v.String(), 10, 64)
					if err != nil {
						t.Fatal(err)
					}
					core := fmt.Sprintf("%d.%08d", sat/1e8, sat%1e8)
					goFloat, _ := json.Marshal(float64(sat) / 1e8)
					for _, text := range []string{core, string(goFloat)} {
						got, err := parseSatoshis(text)
						if err != nil || got != sat {
							t.Errorf("%s: %q parsed as %d (%v), want %d", filepath.Base(filepath.Dir(f)), text, got, err, sat)
						}
					}
					checked++
				}
			}
		}
	}
	if checked < 20 {
		t.Fatalf("checked %d amounts, the corpus has more", checked)
	}
}

func TestParseSatoshisRefusesWhatIsNotAnAmount(t *testing.T) {
	for _, s := range []string{"-1", "0.000000001", "abc", "1e999", "", "1.5e-9", "92233720368.54775808"} {
		if v, err := parseSatoshis(s); err == nil {
			t.Errorf("%q parsed as %d", s, v)
		}
	}
	for s, want := range map[string]uint64{"0": 0, "50.00000000": 5e9, "1e-08": 1, "1E-8": 1, "0.1": 1e7, "21000000": 21e14, "1.23e2": 123e8} {
		if v, err := parseSatoshis(s); err != nil || v != want {
			t.Errorf("%q = %d, %v; want %d", s, v, err, want)
		}
	}
}
