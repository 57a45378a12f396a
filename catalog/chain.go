// Package catalog declares what chaintap's SQL sees without being told:
// every chain's topics as streams, named <CHAIN>_<ENTITY> (and
// <CHAIN>_<ENTITY>_CONFIRMED), with columns named and typed as the
// follower writes them, and the events' args as a STRUCT built from the
// chain's contract ABIs. A user starts with SELECT.
package catalog

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/decode"
	"github.com/chaintap/chaintap/kafka"
)

// Chain is what the catalog needs to know of a followed chain.
type Chain struct {
	Name string
	// Family decides the chain's entities and their columns ("": EVM).
	Family chaintap.Family
	// Contracts are the ABIs its events are decoded with (configured
	// contracts and the standard token interfaces).
	Contracts []decode.Contract
	// ReorgWindow is the follower's reorg_window: no retraction on the
	// head view reaches more than this many blocks below the newest
	// block seen. 0: unknown, and state kept for retraction is never
	// dropped.
	ReorgWindow int
	// CorrectsConfirmed says its confirmed views carry retractions too:
	// the follower corrects a reorg deeper than the confirmations
	// (on_confirmed_reorg: correct).
	CorrectsConfirmed bool
}

// amount is the SQL type of chain integers that can exceed 64 bits
// (wei, token amounts, uint256 arguments): exact, never a float.
const amount = "DECIMAL(78, 0)"

// columns of each entity's value, as the follower writes them (see
// docs/records.md); ID is the record's key. Integers that fit 64 bits are
// BIGINT; amounts, written as decimal strings, are DECIMAL(78, 0).
var columns = map[string]string{
	chaintap.EntityBlocks: `type VARCHAR, chain VARCHAR, number BIGINT, hash VARCHAR, parent_hash VARCHAR, nonce VARCHAR,
  sha3_uncles VARCHAR, logs_bloom VARCHAR, transactions_root VARCHAR, state_root VARCHAR, receipts_root VARCHAR,
  miner VARCHAR, difficulty ` + amount + `, total_difficulty ` + amount + `, size BIGINT, extra_data VARCHAR,
  gas_limit BIGINT, gas_used BIGINT, timestamp BIGINT, transaction_count BIGINT, base_fee_per_gas ` + amount + `,
  withdrawals_root VARCHAR, withdrawals ARRAY<STRUCT<` + "`INDEX`" + ` BIGINT, validator_index BIGINT, address VARCHAR, amount BIGINT>>,
  blob_gas_used BIGINT, excess_blob_gas BIGINT`,
	chaintap.EntityTransactions: `type VARCHAR, chain VARCHAR, hash VARCHAR, nonce BIGINT, transaction_index BIGINT,
  from_address VARCHAR, to_address VARCHAR, value ` + amount + `, gas BIGINT, gas_price ` + amount + `, input VARCHAR,
  block_timestamp BIGINT, block_number BIGINT, block_hash VARCHAR, max_fee_per_gas ` + amount + `,
  max_priority_fee_per_gas ` + amount + `, transaction_type BIGINT, receipt_cumulative_gas_used BIGINT,
  receipt_gas_used BIGINT, receipt_contract_address VARCHAR, receipt_root VARCHAR, receipt_status BIGINT,
  receipt_effective_gas_price ` + amount + `, max_fee_per_blob_gas ` + amount + `, blob_versioned_hashes ARRAY<VARCHAR>,
  receipt_blob_gas_used BIGINT, receipt_blob_gas_price ` + amount,
	chaintap.EntityLogs: `type VARCHAR, chain VARCHAR, log_index BIGINT, transaction_hash VARCHAR, transaction_index BIGINT,
  address VARCHAR, data VARCHAR, topics ARRAY<VARCHAR>, block_number BIGINT, block_timestamp BIGINT, block_hash VARCHAR,
  tx_log_position BIGINT`,
	chaintap.EntityTokenTransfers: `type VARCHAR, chain VARCHAR, token_address VARCHAR, from_address VARCHAR, to_address VARCHAR,
  value ` + amount + `, token_id ` + amount + `, token_standard VARCHAR, operator_address VARCHAR, batch_index BIGINT,
  transaction_hash VARCHAR, transaction_index BIGINT, log_index BIGINT, tx_log_position BIGINT, block_number BIGINT,
  block_timestamp BIGINT, block_hash VARCHAR`,
	chaintap.EntityEvents: `type VARCHAR, chain VARCHAR, block_number BIGINT, block_hash VARCHAR, block_timestamp BIGINT,
  transaction_hash VARCHAR, transaction_index BIGINT, log_index BIGINT, tx_log_position BIGINT, contract_address VARCHAR,
  contract_name VARCHAR, event_name VARCHAR, event_signature VARCHAR`,
}

// bitcoinColumns are a Bitcoin-family chain's (docs/records.md): amounts
// are satoshis, which fit BIGINT exactly.
var bitcoinColumns = map[string]string{
	chaintap.EntityBlocks: `type VARCHAR, chain VARCHAR, hash VARCHAR, parent_hash VARCHAR, size BIGINT, stripped_size BIGINT,
  weight BIGINT, number BIGINT, version BIGINT, merkle_root VARCHAR, timestamp BIGINT, nonce VARCHAR, bits VARCHAR,
  coinbase_param VARCHAR, transaction_count BIGINT`,
	chaintap.EntityTransactions: `type VARCHAR, chain VARCHAR, hash VARCHAR, size BIGINT, virtual_size BIGINT, weight BIGINT,
  version BIGINT, lock_time BIGINT, block_number BIGINT, block_hash VARCHAR, block_timestamp BIGINT, is_coinbase BOOLEAN,
  index BIGINT, inputs ARRAY<STRUCT<` + "`INDEX`" + ` BIGINT, spent_transaction_hash VARCHAR, spent_output_index BIGINT,
  script_asm VARCHAR, script_hex VARCHAR, sequence BIGINT, required_signatures BIGINT, ` + "`TYPE`" + ` VARCHAR,
  addresses ARRAY<VARCHAR>, ` + "`VALUE`" + ` BIGINT, witness ARRAY<VARCHAR>>>,
  outputs ARRAY<STRUCT<` + "`INDEX`" + ` BIGINT, script_asm VARCHAR, script_hex VARCHAR, required_signatures BIGINT,
  ` + "`TYPE`" + ` VARCHAR, addresses ARRAY<VARCHAR>, ` + "`VALUE`" + ` BIGINT>>,
  input_count BIGINT, output_count BIGINT, input_value BIGINT, output_value BIGINT, fee BIGINT`,
}

// columnsOf returns the columns of a family's entity.
func columnsOf(f chaintap.Family, entity string) string {
	if f == chaintap.FamilyBitcoin {
		return bitcoinColumns[entity]
	}
	return columns[entity]
}

// timeColumn is the entity's event time: its block's timestamp, in
// seconds (Catalog.SecondsTimestamp says so to the engine), so that
// windows follow the chain, not the moment a record was published.
func timeColumn(entity string) string {
	if entity == chaintap.EntityBlocks {
		return "TIMESTAMP"
	}
	return "BLOCK_TIMESTAMP"
}

// StreamName is the SQL name of a chain entity's stream: eth-mainnet's
// events are ETH_MAINNET_EVENTS, their confirmed view
// ETH_MAINNET_EVENTS_CONFIRMED.
func StreamName(chain, entity string, confirmed bool) string {
	n := strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(chain + "_" + entity))
	if confirmed {
		n += "_CONFIRMED"
	}
	return n
}

// DDL is the CREATE STREAM statements that declare a chain's topics, both
// views of every entity: what DESCRIBE shows and what the catalog runs.
func DDL(topicPrefix string, ch Chain) string {
	topics := kafka.TopicsOf(topicPrefix, ch.Name, ch.Family)
	var b strings.Builder
	for _, e := range topics.Entities() {
		cols := quoteColumns(columnsOf(ch.Family, e))
		if e == chaintap.EntityEvents {
			if args := argsType(ch.Contracts); args != "" {
				cols += ",\n  `ARGS` " + args
			}
		}
		for _, confirmed := range []bool{false, true} {
			topic := topics.Head(e)
			if confirmed {
				topic = topics.Confirmed(e)
			}
			fmt.Fprintf(&b, "CREATE STREAM %s (`ID` VARCHAR KEY, %s)\n  WITH (KAFKA_TOPIC='%s', VALUE_FORMAT='JSON', KEY_FORMAT='KAFKA', TIMESTAMP='%s');\n",
				StreamName(ch.Name, e, confirmed), cols, topic, timeColumn(e))
		}
	}
	return b.String()
}

// quoteColumns turns "name TYPE, …" into "`NAME` TYPE, …": quoted, so
// that names SQL reserves (size, timestamp) are columns too, and upper
// case, so that unquoted references (which SQL upper-cases) find them.
// Only top-level commas separate columns (types nest with <> and ()).
func quoteColumns(list string) string {
	var cols []string
	depth, start := 0, 0
	for i, r := range list + "," {
		switch r {
		case '<', '(':
			depth++
		case '>', ')':
			depth--
		case ',':
			if depth == 0 {
				col := strings.TrimSpace(list[start:i])
				name, typ, _ := strings.Cut(col, " ")
				cols = append(cols, "`"+strings.ToUpper(name)+"` "+typ)
				start = i + 1
			}
		}
	}
	return strings.Join(cols, ", ")
}

// argsType is the STRUCT of every event argument of the contracts, by
// name (upper case, as SQL normalises identifiers; the decoder matches
// JSON fields case-insensitively). An indexed string, bytes, array or
// tuple is its hash, as the decoder writes it: STRUCT<indexed_hash
// VARCHAR>. A name with different types in different events (ERC-20's
// uint256 value, ERC-1155's string value) gets a type every one of its
// values decodes as: VARCHAR when all are written as JSON strings (read
// an amount with CAST(args->value AS DECIMAL(78, 0)), or use the
// token_transfers stream, where value is DECIMAL), and is left out
// otherwise (declare a stream of that one event with its exact types).
func argsType(contracts []decode.Contract) string {
	types := map[string]string{}
	dropped := map[string]bool{}
	for _, c := range contracts {
		for _, ev := range c.ABI.Events {
			for i, in := range ev.Inputs {
				name := in.Name
				if name == "" {
					name = fmt.Sprintf("_%d", i)
				}
				t := sqlType(in.Type)
				if in.Indexed && hashedWhenIndexed(in.Type) {
					t = "STRUCT<`INDEXED_HASH` VARCHAR>"
				}
				key := strings.ToUpper(name)
				if prev, ok := types[key]; ok && prev != t {
					if !jsonString(prev) || !jsonString(t) {
						dropped[key] = true
					}
					t = "VARCHAR"
				}
				types[key] = t
			}
		}
	}
	var fields []string
	for name, t := range types {
		if !dropped[name] {
			fields = append(fields, "`"+name+"` "+t)
		}
	}
	if len(fields) == 0 {
		return ""
	}
	sort.Strings(fields)
	return "STRUCT<" + strings.Join(fields, ", ") + ">"
}

// jsonString: the decoder writes values of this SQL type as JSON strings.
func jsonString(t string) bool { return t == "VARCHAR" || t == amount }

// sqlType maps an ABI type to the SQL type of its decoded JSON.
func sqlType(t abi.Type) string {
	switch t.T {
	case abi.IntTy, abi.UintTy:
		return amount
	case abi.BoolTy:
		return "BOOLEAN"
	case abi.SliceTy, abi.ArrayTy:
		return "ARRAY<" + sqlType(*t.Elem) + ">"
	case abi.TupleTy:
		fields := make([]string, len(t.TupleElems))
		for i, e := range t.TupleElems {
			name := t.TupleRawNames[i]
			if name == "" {
				name = fmt.Sprintf("_%d", i)
			}
			fields[i] = "`" + strings.ToUpper(name) + "` " + sqlType(*e)
		}
		return "STRUCT<" + strings.Join(fields, ", ") + ">"
	}
	return "VARCHAR" // address, string, bytes, fixed bytes, function: strings
}

// hashedWhenIndexed: the chain keeps only the hash of an indexed value of
// a reference type.
func hashedWhenIndexed(t abi.Type) bool {
	switch t.T {
	case abi.StringTy, abi.BytesTy, abi.SliceTy, abi.ArrayTy, abi.TupleTy:
		return true
	}
	return false
}
