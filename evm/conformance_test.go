package evm

// The ethereum-etl conformance tests: real mainnet JSON-RPC answers and
// ethereum-etl's expected outputs (testdata/conformance, see its README).
// Every field of every expected record is compared with ours; the only
// differences allowed are the documented ones (docs/records.md), listed
// here.

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common/hexutil"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/decode"
	"github.com/chaintap/chaintap/internal/conformance"
	"github.com/chaintap/chaintap/internal/rpcscript"
)

// Documented differences (docs/records.md, "Where we differ").
var (
	// Fields ethereum-etl writes that we do not.
	notOurs = map[string]string{
		"item_id":               "the Kafka key is the identity",
		"item_timestamp":        "block_timestamp is there",
		"receipt_l1_fee":        "Optimism-specific",
		"receipt_l1_gas_used":   "Optimism-specific",
		"receipt_l1_gas_price":  "Optimism-specific",
		"receipt_l1_fee_scalar": "Optimism-specific",
		"l1_fee":                "Optimism-specific",
		"l1_gas_used":           "Optimism-specific",
		"l1_gas_price":          "Optimism-specific",
		"l1_fee_scalar":         "Optimism-specific",
	}
	// Fields that ethereum-etl writes as JSON numbers and we as decimal
	// strings (uint256 values overflow 2^53).
	bigAsString = map[string]bool{
		"value": true, "gas_price": true, "max_fee_per_gas": true, "max_priority_fee_per_gas": true,
		"receipt_effective_gas_price": true, "effective_gas_price": true, "base_fee_per_gas": true,
		"difficulty": true, "total_difficulty": true,
	}
)

// compareJSON compares an expected JSON record with ours, field by field.
func compareJSON(t *testing.T, what string, want map[string]any, got any, rename map[string]string) {
	t.Helper()
	compareFields(t, what, want, got, rename, func(field string, w, g any) (bool, any) { return sameValue(field, w, g), g })
}

// compareCSV compares an expected CSV row with ours; CSV has no types, so
// our values are written as ethereum-etl writes them (null as empty).
func compareCSV(t *testing.T, what string, want map[string]string, got any, rename map[string]string) {
	t.Helper()
	w := make(map[string]any, len(want))
	for k, v := range want {
		w[k] = v
	}
	compareFields(t, what, w, got, rename, func(_ string, w, g any) (bool, any) { s := csvString(g); return s == w, s })
}

// compareFields checks every expected field but the documented absent ones
// against ours (renamed where the entity names it differently).
func compareFields(t *testing.T, what string, want map[string]any, got any, rename map[string]string, same func(field string, w, g any) (bool, any)) {
	t.Helper()
	ours := toMap(t, got)
	for field, w := range want {
		if _, ok := notOurs[field]; ok {
			continue
		}
		name := field
		if r, ok := rename[field]; ok {
			name = r
		}
		g, ok := ours[name]
		if !ok {
			t.Errorf("%s: field %s missing", what, field)
			continue
		}
		if ok, shown := same(field, w, g); !ok {
			t.Errorf("%s: field %s = %v, ethereum-etl has %v", what, field, shown, w)
		}
	}
}

func toMap(t *testing.T, v any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func sameValue(field string, want, got any) bool {
	if n, ok := want.(json.Number); ok {
		if s, ok := got.(string); ok && bigAsString[field] {
			return bigEqual(n.String(), s)
		}
		if g, ok := got.(json.Number); ok {
			return bigEqual(n.String(), g.String())
		}
		return false
	}
	wj, _ := json.Marshal(want)
	gj, _ := json.Marshal(got)
	return string(wj) == string(gj)
}

func bigEqual(a, b string) bool {
	x, ok1 := new(big.Int).SetString(a, 10)
	y, ok2 := new(big.Int).SetString(b, 10)
	return ok1 && ok2 && x.Cmp(y) == 0
}

func csvString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = csvString(p)
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

func readCSV(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(rows) == 0 {
		return nil
	}
	var out []map[string]string
	for _, row := range rows[1:] {
		m := map[string]string{}
		for i, h := range rows[0] {
			m[h] = row[i]
		}
		out = append(out, m)
	}
	return out
}

func decoder(t *testing.T) *decode.Decoder {
	t.Helper()
	d, err := decode.NewStandardDecoder(nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// streamCheck compares blocks fetched through the Source and decoded with
// ethereum-etl's expected blocks, transactions, logs and token transfers.
func streamCheck(t *testing.T, dir string, blocks []*chaintap.EVMBlock) {
	t.Helper()
	byHash := map[string]any{}
	var txs, logs, transfers []any
	for _, b := range blocks {
		byHash[b.Hash] = b
		for i := range b.Transactions {
			txs = append(txs, &b.Transactions[i])
		}
		for i := range b.Logs {
			logs = append(logs, &b.Logs[i])
		}
		for i := range b.Transfers {
			// ethereum-etl extracts ERC-20 and ERC-721 transfers only;
			// our ERC-1155 ones are extra (documented).
			if b.Transfers[i].TokenStandard != chaintap.ERC1155 {
				transfers = append(transfers, &b.Transfers[i])
			}
		}
	}
	expBlocks := conformance.Lines(t, filepath.Join(dir, "expected_blocks.json"))
	if len(expBlocks) != len(blocks) {
		t.Fatalf("%d blocks, ethereum-etl %d", len(blocks), len(expBlocks))
	}
	for _, w := range expBlocks {
		g, ok := byHash[w["hash"].(string)]
		if !ok {
			t.Fatalf("block %v missing", w["hash"])
		}
		compareJSON(t, "block "+w["hash"].(string), w, g, nil)
	}
	for _, c := range []struct {
		file string
		ours []any
		key  func(map[string]any) string
	}{
		{"expected_transactions.json", txs, func(m map[string]any) string { return fmt.Sprint(m["hash"]) }},
		{"expected_logs.json", logs, func(m map[string]any) string { return fmt.Sprint(m["transaction_hash"], "/", m["log_index"]) }},
		{"expected_token_transfers.json", transfers, func(m map[string]any) string { return fmt.Sprint(m["transaction_hash"], "/", m["log_index"]) }},
	} {
		want := conformance.Lines(t, filepath.Join(dir, c.file))
		if len(want) != len(c.ours) {
			t.Fatalf("%s: ethereum-etl has %d records, we %d", c.file, len(want), len(c.ours))
		}
		ours := map[string]any{}
		for _, o := range c.ours {
			ours[c.key(toMap(t, o))] = o
		}
		for _, w := range want {
			k := c.key(w)
			g, ok := ours[k]
			if !ok {
				t.Fatalf("%s: record %s missing", c.file, k)
			}
			compareJSON(t, c.file+" "+k, w, g, nil)
		}
	}
}

func fetchAll(t *testing.T, srv *rpcscript.Server, numbers ...uint64) []*chaintap.EVMBlock {
	t.Helper()
	src, err := Dial(context.Background(), Config{Chain: "ethereum", URL: srv.URL}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dec := decoder(t)
	var out []*chaintap.EVMBlock
	for _, n := range numbers {
		b, err := src.EVMBlockByNumber(context.Background(), n)
		if err != nil {
			t.Fatal(err)
		}
		dec.Enrich(b)
		out = append(out, b)
	}
	return out
}

// TestConformanceStream1755634 serves the recorded answers (a node without
// eth_getBlockReceipts) and runs the source and the decoder over them.
func TestConformanceStream1755634(t *testing.T) {
	dir := filepath.Join(conformance.Dir(t), "test_stream", "blocks_1755634_1755635")
	srv := rpcscript.Start()
	defer srv.Close()
	srv.Answer("eth_chainId", nil, json.RawMessage(`"0x1"`))
	files, _ := filepath.Glob(filepath.Join(dir, "web3_response.*.json"))
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "web3_response."), ".json")
		switch {
		case strings.HasPrefix(name, "eth_getBlockByNumber_0x"):
			p := strings.Split(strings.TrimPrefix(name, "eth_getBlockByNumber_"), "_")
			srv.Answer("eth_getBlockByNumber", []any{p[0], p[1] == "true"}, conformance.Result(t, f))
		case strings.HasPrefix(name, "eth_getTransactionReceipt_"):
			srv.Answer("eth_getTransactionReceipt", []any{strings.TrimPrefix(name, "eth_getTransactionReceipt_")}, conformance.Result(t, f))
		}
	}
	streamCheck(t, dir, fetchAll(t, srv, 1755634, 1755635))
}

// TestConformanceStream17173049 has ethereum-etl's expected outputs only
// (post-Merge blocks with withdrawals and hundreds of transactions): the
// node's answers are rebuilt from them, served, fetched, decoded and
// compared — the round trip must give back every expected field.
func TestConformanceStream17173049(t *testing.T) {
	dir := filepath.Join(conformance.Dir(t), "test_stream", "blocks_17173049_17173050")
	srv := rpcscript.Start()
	defer srv.Close()
	srv.Answer("eth_chainId", nil, json.RawMessage(`"0x1"`))
	blocks := conformance.Lines(t, filepath.Join(dir, "expected_blocks.json"))
	txs := conformance.Lines(t, filepath.Join(dir, "expected_transactions.json"))
	logs := conformance.Lines(t, filepath.Join(dir, "expected_logs.json"))
	var numbers []uint64
	for _, b := range blocks {
		n := num(b["number"])
		numbers = append(numbers, n)
		block, receipts := rebuild(t, b, txs, logs)
		srv.Answer("eth_getBlockByNumber", []any{hexutil.EncodeUint64(n), true}, block)
		srv.Answer("eth_getBlockReceipts", []any{hexutil.EncodeUint64(n)}, receipts)
	}
	sort.Slice(numbers, func(i, j int) bool { return numbers[i] < numbers[j] })
	streamCheck(t, dir, fetchAll(t, srv, numbers...))
}

func num(v any) uint64 {
	n, _ := strconv.ParseUint(fmt.Sprint(v), 10, 64)
	return n
}

// hexQ writes an expected number as a JSON-RPC quantity (null stays null).
func hexQ(v any) any {
	if v == nil {
		return nil
	}
	b, ok := new(big.Int).SetString(fmt.Sprint(v), 10)
	if !ok {
		return nil
	}
	return hexutil.EncodeBig(b)
}

// rebuild makes the JSON-RPC answers a node would give for an expected
// block: eth_getBlockByNumber(n, true) and eth_getBlockReceipts(n).
func rebuild(t *testing.T, b map[string]any, txs, logs []map[string]any) (json.RawMessage, json.RawMessage) {
	t.Helper()
	hash := b["hash"]
	block := map[string]any{
		"number": hexQ(b["number"]), "hash": hash, "parentHash": b["parent_hash"], "nonce": b["nonce"],
		"sha3Uncles": b["sha3_uncles"], "logsBloom": b["logs_bloom"], "transactionsRoot": b["transactions_root"],
		"stateRoot": b["state_root"], "receiptsRoot": b["receipts_root"], "miner": b["miner"],
		"difficulty": hexQ(b["difficulty"]), "totalDifficulty": hexQ(b["total_difficulty"]), "size": hexQ(b["size"]),
		"extraData": b["extra_data"], "gasLimit": hexQ(b["gas_limit"]), "gasUsed": hexQ(b["gas_used"]),
		"timestamp": hexQ(b["timestamp"]), "baseFeePerGas": hexQ(b["base_fee_per_gas"]),
		"withdrawalsRoot": b["withdrawals_root"],
	}
	var wds []any
	for _, w := range asList(b["withdrawals"]) {
		m := w.(map[string]any)
		wds = append(wds, map[string]any{"index": hexQ(m["index"]), "validatorIndex": hexQ(m["validator_index"]), "address": m["address"], "amount": hexQ(m["amount"])})
	}
	block["withdrawals"] = wds
	var blockTxs, receipts []any
	for _, tx := range txs {
		if tx["block_hash"] != hash {
			continue
		}
		blockTxs = append(blockTxs, map[string]any{
			"hash": tx["hash"], "nonce": hexQ(tx["nonce"]), "blockHash": hash, "blockNumber": hexQ(tx["block_number"]),
			"transactionIndex": hexQ(tx["transaction_index"]), "from": tx["from_address"], "to": tx["to_address"],
			"value": hexQ(tx["value"]), "gas": hexQ(tx["gas"]), "gasPrice": hexQ(tx["gas_price"]), "input": tx["input"],
			"maxFeePerGas": hexQ(tx["max_fee_per_gas"]), "maxPriorityFeePerGas": hexQ(tx["max_priority_fee_per_gas"]),
			"type": hexQ(tx["transaction_type"]),
		})
		var rlogs []any
		for _, l := range logs {
			if l["transaction_hash"] == tx["hash"] {
				rlogs = append(rlogs, map[string]any{"logIndex": hexQ(l["log_index"]), "address": l["address"], "data": l["data"], "topics": l["topics"],
					"transactionHash": tx["hash"], "blockHash": hash})
			}
		}
		sort.Slice(rlogs, func(i, j int) bool {
			return num(hexToDec(rlogs[i].(map[string]any)["logIndex"])) < num(hexToDec(rlogs[j].(map[string]any)["logIndex"]))
		})
		if rlogs == nil {
			rlogs = []any{}
		}
		receipts = append(receipts, map[string]any{
			"transactionHash": tx["hash"], "transactionIndex": hexQ(tx["transaction_index"]), "blockHash": hash,
			"blockNumber": hexQ(tx["block_number"]), "cumulativeGasUsed": hexQ(tx["receipt_cumulative_gas_used"]),
			"gasUsed": hexQ(tx["receipt_gas_used"]), "contractAddress": tx["receipt_contract_address"], "root": tx["receipt_root"],
			"status": hexQ(tx["receipt_status"]), "effectiveGasPrice": hexQ(tx["receipt_effective_gas_price"]), "logs": rlogs,
		})
	}
	sort.Slice(blockTxs, func(i, j int) bool {
		return num(hexToDec(blockTxs[i].(map[string]any)["transactionIndex"])) < num(hexToDec(blockTxs[j].(map[string]any)["transactionIndex"]))
	})
	sort.Slice(receipts, func(i, j int) bool {
		return num(hexToDec(receipts[i].(map[string]any)["transactionIndex"])) < num(hexToDec(receipts[j].(map[string]any)["transactionIndex"]))
	})
	if blockTxs == nil {
		blockTxs, receipts = []any{}, []any{}
	}
	block["transactions"] = blockTxs
	bj, err := json.Marshal(block)
	if err != nil {
		t.Fatal(err)
	}
	rj, err := json.Marshal(receipts)
	if err != nil {
		t.Fatal(err)
	}
	return bj, rj
}

func hexToDec(v any) string {
	s, _ := v.(string)
	b, err := hexutil.DecodeBig(s)
	if err != nil {
		return ""
	}
	return b.String()
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// TestConformanceExportBlocks: block answers only (ethereum-etl's
// export_blocks_job does not ask for receipts), so the receipts our Source
// would fetch are synthesised empty and only the fields ethereum-etl
// exports are compared.
func TestConformanceExportBlocks(t *testing.T) {
	root := filepath.Join(conformance.Dir(t), "test_export_blocks_job")
	for _, c := range []string{"block_with_logs", "block_without_transactions", "blocks_with_transactions"} {
		t.Run(c, func(t *testing.T) {
			dir := filepath.Join(root, c)
			files, _ := filepath.Glob(filepath.Join(dir, "web3_response.eth_getBlockByNumber_*.json"))
			ours := map[string]*chaintap.EVMBlock{}
			txs := map[string]*chaintap.Tx{}
			for _, f := range files {
				b := blockOnly(t, conformance.Result(t, f))
				ours[b.Hash] = b
				for i := range b.Transactions {
					txs[b.Transactions[i].Hash] = &b.Transactions[i]
				}
			}
			wantBlocks := readCSV(t, filepath.Join(dir, "expected_blocks.csv"))
			for _, w := range wantBlocks {
				b, ok := ours[w["hash"]]
				if !ok {
					t.Fatalf("block %s missing", w["hash"])
				}
				compareCSV(t, "block "+w["hash"], w, b, nil)
			}
			wantTxs := readCSV(t, filepath.Join(dir, "expected_transactions.csv"))
			if len(wantTxs) != len(txs) {
				t.Fatalf("%d transactions, ethereum-etl %d", len(txs), len(wantTxs))
			}
			for _, w := range wantTxs {
				tx, ok := txs[w["hash"]]
				if !ok {
					t.Fatalf("transaction %s missing", w["hash"])
				}
				compareCSV(t, "transaction "+w["hash"], w, tx, nil)
			}
		})
	}
}

// blockOnly decodes a block answer with empty receipts synthesised for its
// transactions: for cases where ethereum-etl recorded no receipts.
func blockOnly(t *testing.T, raw json.RawMessage) *chaintap.EVMBlock {
	t.Helper()
	var w wireBlock
	if err := decodeResult(raw, &w, "block"); err != nil {
		t.Fatal(err)
	}
	receipts := make([]wireReceipt, len(w.Transactions))
	for i, tx := range w.Transactions {
		receipts[i] = wireReceipt{TransactionHash: tx.Hash}
	}
	b, err := w.toBlock("ethereum", receipts)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestConformanceWithdrawalsRoundTrip: expected outputs only; the block
// answer is rebuilt from them and must decode back to every field.
func TestConformanceWithdrawalsRoundTrip(t *testing.T) {
	dir := filepath.Join(conformance.Dir(t), "test_export_blocks_job", "blocks_with_transactions_and_withdrawals")
	blocks := conformance.Lines(t, filepath.Join(dir, "expected_blocks.json"))
	txs := conformance.Lines(t, filepath.Join(dir, "expected_transactions.json"))
	for _, wb := range blocks {
		raw, _ := rebuild(t, wb, txs, nil)
		b := blockOnly(t, raw)
		if len(b.Withdrawals) == 0 {
			t.Fatal("no withdrawals decoded")
		}
		compareJSON(t, "block", wb, b, nil)
		byHash := map[string]*chaintap.Tx{}
		for i := range b.Transactions {
			byHash[b.Transactions[i].Hash] = &b.Transactions[i]
		}
		for _, wt := range txs {
			if wt["block_hash"] == wb["hash"] {
				compareJSON(t, "transaction", wt, byHash[wt["hash"].(string)], nil)
			}
		}
	}
}

// TestConformanceReceipts: recorded receipts; expected receipts are our
// transactions' receipt_* fields, expected logs our logs.
func TestConformanceReceipts(t *testing.T) {
	dir := filepath.Join(conformance.Dir(t), "test_export_receipts_job", "receipts_with_logs")
	files, _ := filepath.Glob(filepath.Join(dir, "web3_response.eth_getTransactionReceipt_*.json"))
	txs := map[string]chaintap.Tx{}
	logs := map[string]chaintap.Log{}
	for _, f := range files {
		var r wireReceipt
		if err := decodeResult(conformance.Result(t, f), &r, "receipt"); err != nil {
			t.Fatal(err)
		}
		var extra struct {
			BlockNumber hexutil.Uint64 `json:"blockNumber"`
		}
		_ = json.Unmarshal(conformance.Result(t, f), &extra)
		b := &chaintap.EVMBlock{Chain: "ethereum", Number: uint64(extra.BlockNumber), Hash: strings.ToLower(r.BlockHash)}
		tx := toTx(b, &wireTx{Hash: r.TransactionHash, TransactionIndex: r.TransactionIndex}, &r)
		txs[tx.Hash] = tx
		for pos, l := range r.Logs {
			lg := toLog(b, &tx, l, uint64(pos))
			logs[fmt.Sprint(lg.TransactionHash, "/", lg.LogIndex)] = lg
		}
	}
	rename := map[string]string{
		"transaction_hash": "hash", "cumulative_gas_used": "receipt_cumulative_gas_used", "gas_used": "receipt_gas_used",
		"contract_address": "receipt_contract_address", "root": "receipt_root", "status": "receipt_status",
		"effective_gas_price": "receipt_effective_gas_price",
	}
	want := conformance.Lines(t, filepath.Join(dir, "expected_receipts.json"))
	if len(want) != len(txs) {
		t.Fatalf("%d receipts, ethereum-etl %d", len(txs), len(want))
	}
	for _, w := range want {
		tx := txs[w["transaction_hash"].(string)]
		compareJSON(t, "receipt "+tx.Hash, w, tx, rename)
	}
	wantLogs := conformance.Lines(t, filepath.Join(dir, "expected_logs.json"))
	if len(wantLogs) != len(logs) {
		t.Fatalf("%d logs, ethereum-etl %d", len(logs), len(wantLogs))
	}
	for _, w := range wantLogs {
		k := fmt.Sprint(w["transaction_hash"], "/", w["log_index"])
		l, ok := logs[k]
		if !ok {
			t.Fatalf("log %s missing", k)
		}
		compareJSON(t, "log "+k, w, l, nil)
	}
}

// TestConformanceTokenTransfers: ethereum-etl's two token-transfer cases,
// from an eth_getFilterLogs answer and from a CSV of logs.
func TestConformanceTokenTransfers(t *testing.T) {
	root := conformance.Dir(t)
	var fromRPC []wireLogFull
	if err := json.Unmarshal(conformance.Result(t, filepath.Join(root, "test_export_token_transfers_job", "block_with_transfers",
		"web3_response.eth_getFilterLogs_0x0.json")), &fromRPC); err != nil {
		t.Fatal(err)
	}
	var rpcLogs []chaintap.Log
	for _, l := range fromRPC {
		rpcLogs = append(rpcLogs, chaintap.Log{Address: l.Address, Data: l.Data, Topics: l.Topics, TransactionHash: l.TransactionHash,
			LogIndex: uint64(l.LogIndex), BlockNumber: uint64(l.BlockNumber), BlockHash: l.BlockHash})
	}
	var csvLogs []chaintap.Log
	for _, r := range readCSV(t, filepath.Join(root, "test_extract_token_transfers_job", "logs", "logs.csv")) {
		csvLogs = append(csvLogs, chaintap.Log{Address: r["address"], Data: r["data"], Topics: strings.Split(r["topics"], ","),
			TransactionHash: r["transaction_hash"], LogIndex: num(r["log_index"]), BlockNumber: num(r["block_number"]), BlockHash: r["block_hash"]})
	}
	for name, c := range map[string]struct {
		logs     []chaintap.Log
		expected string
	}{
		"export_token_transfers_job":  {rpcLogs, filepath.Join(root, "test_export_token_transfers_job", "block_with_transfers", "expected_token_transfers.csv")},
		"extract_token_transfers_job": {csvLogs, filepath.Join(root, "test_extract_token_transfers_job", "logs", "expected_token_transfers.csv")},
	} {
		t.Run(name, func(t *testing.T) {
			var ours []chaintap.TokenTransfer
			for i := range c.logs {
				ours = append(ours, decode.Transfers(&c.logs[i])...)
			}
			want := readCSV(t, c.expected)
			if len(ours) != len(want) {
				t.Fatalf("%d transfers, ethereum-etl %d", len(ours), len(want))
			}
			for i, w := range want {
				compareCSV(t, fmt.Sprint("transfer ", i), w, ours[i], nil)
			}
		})
	}
}

// wireLogFull is a log as eth_getFilterLogs returns it.
type wireLogFull struct {
	wireLog
	TransactionHash string         `json:"transactionHash"`
	BlockNumber     hexutil.Uint64 `json:"blockNumber"`
	BlockHash       string         `json:"blockHash"`
}
