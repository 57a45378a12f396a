package gateway

import (
	"time"

	"github.com/ethereum/go-ethereum/common/hexutil"
)

// Status is where a request stands. The order is the life of a request:
//
//	accepted → signed → sent → mined → confirmed
//	                  ↖________/  (a reorg orphaned its block: sent again)
//
// A request is persisted at each step before the gateway acts on it: its
// nonce before it is signed, its signed bytes and hash before they are
// sent. failed is final: the node refused the signed transaction for good
// (its nonce was then filled with an empty transaction, so later ones go
// through) or another transaction took the nonce.
type Status string

const (
	StatusAccepted  Status = "accepted"
	StatusSigned    Status = "signed"
	StatusSent      Status = "sent"
	StatusMined     Status = "mined"
	StatusConfirmed Status = "confirmed"
	StatusFailed    Status = "failed"
	// StatusRejected is never persisted: a request refused before a nonce
	// was assigned (bad input, a revert at estimation), reported on
	// <chain>.tx.receipts for requests that came from Kafka.
	StatusRejected Status = "rejected"
)

// Final reports whether nothing more will happen to a request in st.
func (st Status) Final() bool {
	return st == StatusConfirmed || st == StatusFailed || st == StatusRejected
}

// State is a request and everything the gateway knows about it: the value
// of its record in the state topic (keyed by ID) and of GET /api/tx/{id}.
type State struct {
	ID             string  `json:"id"`
	IdempotencyKey string  `json:"idempotency_key"`
	Status         Status  `json:"status"`
	Request        Request `json:"request"`
	// From is the sender's address, Nonce the nonce assigned at acceptance.
	From  string `json:"from_address"`
	Nonce uint64 `json:"nonce"`
	// To is empty for a deployment.
	To    string        `json:"to_address,omitempty"`
	Input hexutil.Bytes `json:"input,omitempty"`
	Value string        `json:"value"`
	Gas   uint64        `json:"gas"`

	// Raw is the signed transaction that is (or is about to be) on the
	// node; TxHash its hash. Hashes lists every version signed, oldest
	// first (a fee bump signs a new one with the same nonce): any of them
	// may be the one mined.
	Raw                  hexutil.Bytes `json:"raw,omitempty"`
	TxHash               string        `json:"tx_hash,omitempty"`
	Hashes               []string      `json:"tx_hashes,omitempty"`
	MaxFeePerGas         string        `json:"max_fee_per_gas,omitempty"`
	MaxPriorityFeePerGas string        `json:"max_priority_fee_per_gas,omitempty"`

	BlockNumber     uint64 `json:"block_number,omitempty"`
	BlockHash       string `json:"block_hash,omitempty"`
	GasUsed         uint64 `json:"gas_used,omitempty"`
	Succeeded       *bool  `json:"succeeded,omitempty"`
	RevertReason    string `json:"revert_reason,omitempty"`
	ContractAddress string `json:"contract_address,omitempty"`
	Confirmations   uint64 `json:"confirmations,omitempty"`
	// Reorgs counts the times a block holding it was orphaned.
	Reorgs int `json:"reorgs,omitempty"`
	// Filler is set when the request's nonce was filled with an empty
	// self-transfer because the node refused the request's transaction.
	Filler bool `json:"filler,omitempty"`
	// Note says what happened last ("reorged out, resubmitted", …).
	Note  string `json:"note,omitempty"`
	Error string `json:"error,omitempty"`

	AcceptedAt time.Time `json:"accepted_at"`
	SentAt     time.Time `json:"sent_at,omitzero"`
	MinedAt    time.Time `json:"mined_at,omitzero"`
}

// Public is s as callers see it: without the signed bytes, which are
// internal until the node has them.
func (s State) Public() State {
	s.Raw = nil
	s.Hashes = append([]string(nil), s.Hashes...)
	return s
}

// Receipt is the value of a record on <chain>.tx.receipts, keyed by the
// request id: one per change of a request's outcome.
type Receipt struct {
	Chain           string `json:"chain"`
	RequestID       string `json:"request_id"`
	IdempotencyKey  string `json:"idempotency_key"`
	Status          Status `json:"status"`
	From            string `json:"from_address,omitempty"`
	Nonce           uint64 `json:"nonce"`
	TxHash          string `json:"tx_hash,omitempty"`
	BlockNumber     uint64 `json:"block_number,omitempty"`
	BlockHash       string `json:"block_hash,omitempty"`
	GasUsed         uint64 `json:"gas_used,omitempty"`
	Succeeded       *bool  `json:"succeeded,omitempty"`
	RevertReason    string `json:"revert_reason,omitempty"`
	ContractAddress string `json:"contract_address,omitempty"`
	Confirmations   uint64 `json:"confirmations,omitempty"`
	Reorgs          int    `json:"reorgs,omitempty"`
	Note            string `json:"note,omitempty"`
	Error           string `json:"error,omitempty"`
}

func receiptOf(chain string, s *State) Receipt {
	return Receipt{Chain: chain, RequestID: s.ID, IdempotencyKey: s.IdempotencyKey, Status: s.Status,
		From: s.From, Nonce: s.Nonce, TxHash: s.TxHash, BlockNumber: s.BlockNumber, BlockHash: s.BlockHash,
		GasUsed: s.GasUsed, Succeeded: s.Succeeded, RevertReason: s.RevertReason, ContractAddress: s.ContractAddress,
		Confirmations: s.Confirmations, Reorgs: s.Reorgs, Note: s.Note, Error: s.Error}
}
