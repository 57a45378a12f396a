package battery

import (
	"encoding/json"
	"strings"
)

// recordChargeSelector is the first four bytes of keccak256 of
// "recordCharge(address)", which start the input of a charge's transaction
// (a test checks it against the contract's ABI).
const recordChargeSelector = "0x133d43b8"

// tx holds what a refused charge needs of a transaction record.
type tx struct {
	Hash             string  `json:"hash"`
	From             string  `json:"from_address"`
	To               *string `json:"to_address"`
	Input            string  `json:"input"`
	Status           *uint64 `json:"receipt_status"`
	BlockNumber      uint64  `json:"block_number"`
	BlockTimestamp   uint64  `json:"block_timestamp"`
	TransactionIndex uint64  `json:"transaction_index"`
}

// fromTx recognises a refused charge: a recordCharge call to the registry
// that failed. The registry refuses one for a blocked battery, and also
// for an unknown battery or an unauthorised caller; the transaction does
// not say which.
func (r *Recent) fromTx(key string, value []byte) (Event, bool) {
	if r.src.Registry == "" {
		return Event{}, false
	}
	var t tx
	if json.Unmarshal(value, &t) != nil || t.To == nil || !strings.EqualFold(*t.To, r.src.Registry) ||
		t.Status == nil || *t.Status != 0 {
		return Event{}, false
	}
	id, ok := chargedBattery(t.Input)
	if !ok {
		return Event{}, false
	}
	return Event{Key: key, Battery: id, Kind: KindChargeRefused, By: strings.ToLower(t.From), Block: t.BlockNumber,
		BlockTimestamp: t.BlockTimestamp, TransactionHash: strings.ToLower(t.Hash), TransactionIndex: t.TransactionIndex}, true
}

// chargedBattery is the battery argument of a recordCharge call's input
// (selector, then the address left-padded to 32 bytes), lower-case.
func chargedBattery(input string) (string, bool) {
	input = strings.ToLower(input)
	arg, ok := strings.CutPrefix(input, recordChargeSelector)
	if !ok || len(arg) != 64 || strings.Trim(arg[:24], "0") != "" {
		return "", false
	}
	if strings.Trim(arg, "0123456789abcdef") != "" {
		return "", false
	}
	return "0x" + arg[24:], true
}
