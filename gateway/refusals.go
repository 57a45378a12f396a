package gateway

import (
	"context"
	"strings"
	"time"
)

// What the node's refusals of a transaction mean, and what the gateway
// does about each: nothing (it has the transaction or its nonce is
// used), sign again with higher fees, or fill the nonce.

// acceptedAnswer: the node has this transaction or one with its nonce
// (mined or pending); the watcher finds out which.
func acceptedAnswer(err error) bool {
	m := strings.ToLower(err.Error())
	return strings.Contains(m, "already known") || strings.Contains(m, "nonce too low") ||
		strings.Contains(m, "replacement transaction underpriced") || strings.Contains(m, "already imported")
}

// feeRefusal: the node wants higher fees than the transaction offers.
func feeRefusal(err error) bool {
	m := strings.ToLower(err.Error())
	return !strings.Contains(m, "replacement") && (strings.Contains(m, "underpriced") ||
		strings.Contains(m, "less than block base fee") || strings.Contains(m, "fee cap less than"))
}

// permanentRefusal: the node will never take this transaction (not enough
// funds, gas above the block limit, …), so its nonce must be filled.
func permanentRefusal(err error) bool {
	m := strings.ToLower(err.Error())
	for _, p := range []string{"insufficient funds", "intrinsic gas too low", "exceeds block gas limit", "gas limit reached",
		"tip higher than", "invalid sender", "oversized data"} {
		if strings.Contains(m, p) {
			return true
		}
	}
	return false
}

// resign signs st again with the node's current fees (at least a bump
// over its own), persists that, and sends it.
func (s *Service) resign(ctx context.Context, snd *sender, st State, cause error) (State, error) {
	now, err := s.currentFees(ctx)
	if err != nil {
		return st, errNotSent
	}
	signed, err := s.signState(ctx, snd, st, bumped(feesOf(st), now))
	if err != nil {
		return st, err
	}
	signed.Note = "re-signed with higher fees: the node said " + cause.Error()
	if err := s.persist(ctx, []State{signed}, false); err != nil {
		return st, err
	}
	s.metrics.resubmitted.WithLabelValues("fee_bump").Inc()
	if err := s.sendRaw(ctx, signed); err != nil && !acceptedAnswer(err) {
		return signed, errNotSent
	}
	signed.Status, signed.SentAt = StatusSent, time.Now().UTC()
	return signed, nil
}

// fill replaces a transaction the node refuses for good by an empty
// self-transfer with its nonce, so that the sender's later nonces are not
// stuck behind a gap; the request ends failed with the node's words.
func (s *Service) fill(ctx context.Context, snd *sender, st State, cause error) (State, error) {
	f, err := s.currentFees(ctx)
	if err != nil {
		return st, errNotSent
	}
	st.To, st.Input, st.Value, st.Gas = snd.addr.Hex(), nil, "0", 21000
	st.Filler, st.Error = true, "the node refused the transaction: "+cause.Error()
	st.Note = "nonce filled with an empty transaction"
	filled, err := s.signState(ctx, snd, st, f)
	if err != nil {
		return st, err
	}
	// Persist the filler before it is sent, as every signed transaction.
	if err := s.persist(ctx, []State{filled}, false); err != nil {
		return st, err
	}
	s.metrics.resubmitted.WithLabelValues("filler").Inc()
	if err := s.sendRaw(ctx, filled); err != nil && !acceptedAnswer(err) {
		return filled, errNotSent
	}
	filled.Status, filled.SentAt = StatusSent, time.Now().UTC()
	return filled, nil
}
