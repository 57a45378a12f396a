package gateway

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// watch follows snd's sent and mined requests on the node: receipts of
// the mined ones, confirmations, reorgs that orphan their blocks, and
// sent ones that stay unmined too long (dropped: sent again; stuck: fees
// bumped). Every change is persisted with its receipt record.
func (s *Service) watch(ctx context.Context, snd *sender) error {
	var watching []State
	for _, st := range s.openOf(snd) {
		if st.Status == StatusSent || st.Status == StatusMined {
			watching = append(watching, st)
		}
	}
	if len(watching) == 0 {
		return nil
	}
	latest, err := s.node.NonceAt(ctx, snd.addr, nil)
	if err != nil {
		return fmt.Errorf("nonce of %s: %w", snd.addr.Hex(), err)
	}
	hdr, err := s.node.HeaderByNumber(ctx, nil)
	if err != nil {
		return fmt.Errorf("reading the head: %w", err)
	}
	head, base := hdr.Number.Uint64(), hdr.BaseFee
	if base == nil {
		base = new(big.Int)
	}
	canon := map[uint64]common.Hash{}
	var changed []State
	var errs []error
	for _, st := range watching {
		nst, ok, err := s.watchOne(ctx, snd, st, latest, head, base, canon)
		if err != nil {
			if fatal(ctx, err) {
				return err
			}
			errs = append(errs, err)
		}
		if ok {
			changed = append(changed, nst)
		}
	}
	return errors.Join(append(errs, s.persist(ctx, changed, true))...)
}

func (s *Service) watchOne(ctx context.Context, snd *sender, st State, latest, head uint64, base *big.Int, canon map[uint64]common.Hash) (State, bool, error) {
	switch {
	case st.Status == StatusSent && st.Nonce < latest:
		return s.minedOrTaken(ctx, st, head)
	case st.Status == StatusSent && time.Since(st.SentAt) > s.cfg.ResubmitAfter &&
		(st.Nonce == latest || feesOf(st).cap.Cmp(base) < 0):
		// Only the lowest unmined nonce can hold the sender up (dropped,
		// or stuck on its fees): the node mines nothing above it, and a
		// dropped one above it becomes the lowest in its turn. Those whose
		// fee cap fell below the base fee are bumped at once too, so a
		// burst signed before the base fee rose is not bumped one nonce
		// per ResubmitAfter.
		return s.resubmit(ctx, snd, st)
	case st.Status == StatusMined:
		return s.confirm(ctx, st, head, canon)
	}
	return st, false, nil
}

// minedOrTaken: the nonce is used on chain; by one of st's versions (its
// receipt is recorded) or by another transaction (st failed).
func (s *Service) minedOrTaken(ctx context.Context, st State, head uint64) (State, bool, error) {
	r, err := s.findReceipt(ctx, st)
	if err != nil {
		return st, false, err
	}
	if r != nil {
		return s.recordMined(ctx, st, r, head), true, nil
	}
	if s.known(ctx, st) {
		return st, false, nil // mined, still being indexed
	}
	st.Status, st.Error = StatusFailed, fmt.Sprintf("nonce %d was used by another transaction from %s", st.Nonce, st.From)
	return st, true, nil
}

// findReceipt returns the receipt of whichever of st's versions is mined
// (nil: none is, or not yet indexed).
func (s *Service) findReceipt(ctx context.Context, st State) (*types.Receipt, error) {
	for i := len(st.Hashes) - 1; i >= 0; i-- {
		r, err := s.node.TransactionReceipt(ctx, common.HexToHash(st.Hashes[i]))
		if err == nil {
			return r, nil
		}
		if !errors.Is(err, ethereum.NotFound) && !indexing(err) {
			return nil, fmt.Errorf("receipt of %s: %w", st.Hashes[i], err)
		}
	}
	return nil, nil
}

func indexing(err error) bool {
	return err != nil && (contains(err, "indexing is in progress") || contains(err, "not found"))
}

// recordMined records r in st, with the revert reason when it failed.
func (s *Service) recordMined(ctx context.Context, st State, r *types.Receipt, head uint64) State {
	ok := r.Status == types.ReceiptStatusSuccessful
	st.Status, st.Succeeded = StatusMined, &ok
	st.TxHash, st.BlockNumber, st.BlockHash, st.GasUsed = r.TxHash.Hex(), r.BlockNumber.Uint64(), r.BlockHash.Hex(), r.GasUsed
	st.Confirmations = head + 1 - min(head+1, st.BlockNumber)
	st.MinedAt = time.Now().UTC()
	st.RevertReason = ""
	if r.ContractAddress != (common.Address{}) && st.To == "" {
		st.ContractAddress = r.ContractAddress.Hex()
	}
	if !ok {
		st.RevertReason = s.replayReason(ctx, st)
		s.metrics.mined.WithLabelValues("reverted").Inc()
	} else {
		s.metrics.mined.WithLabelValues("succeeded").Inc()
	}
	if st.Confirmations >= s.cfg.Confirmations {
		s.finish(&st)
	}
	return st
}

// replayReason runs a failed transaction again on its block's parent to
// learn why it reverted (receipts do not say).
func (s *Service) replayReason(ctx context.Context, st State) string {
	msg := ethereum.CallMsg{From: common.HexToAddress(st.From), Gas: st.Gas, Data: st.Input}
	if st.To != "" {
		to := common.HexToAddress(st.To)
		msg.To = &to
	}
	msg.Value, _ = new(big.Int).SetString(st.Value, 10)
	_, err := s.node.CallContract(ctx, msg, new(big.Int).SetUint64(st.BlockNumber-1))
	if err == nil {
		return "reverted (replaying it on the parent block succeeds: it depended on a transaction before it in its block)"
	}
	var a = s.contracts[st.Request.Contract].ABI
	if reason, ok := revertReason(err, &a); ok {
		return reason
	}
	return "reverted: " + err.Error()
}

// confirm counts st's confirmations; if its block is no longer canonical,
// it records where st went: into another block, or back to the pool (then
// it sends st's signed bytes again).
func (s *Service) confirm(ctx context.Context, st State, head uint64, canon map[uint64]common.Hash) (State, bool, error) {
	h, ok := canon[st.BlockNumber]
	if !ok {
		hdr, err := s.node.HeaderByNumber(ctx, new(big.Int).SetUint64(st.BlockNumber))
		switch {
		case err == nil:
			h = hdr.Hash()
		case !errors.Is(err, ethereum.NotFound):
			return st, false, fmt.Errorf("reading block %d: %w", st.BlockNumber, err)
		}
		canon[st.BlockNumber] = h
	}
	if h.Hex() == st.BlockHash {
		st.Confirmations = head + 1 - min(head+1, st.BlockNumber)
		if st.Confirmations < s.cfg.Confirmations {
			return st, false, nil
		}
		s.finish(&st)
		return st, true, nil
	}
	st.Reorgs++
	orphaned := st.BlockHash
	r, err := s.findReceipt(ctx, st)
	if err != nil {
		return st, false, err
	}
	if r != nil && r.BlockHash.Hex() != orphaned {
		st = s.recordMined(ctx, st, r, head)
		st.Note = fmt.Sprintf("reorged: block %s orphaned, re-included in block %d", orphaned, st.BlockNumber)
		s.log.Info("gateway: request re-included after a reorg", "request", st.ID, "block", st.BlockNumber)
		return st, true, nil
	}
	st.Status, st.BlockNumber, st.BlockHash, st.GasUsed, st.Succeeded, st.Confirmations = StatusSent, 0, "", 0, nil, 0
	st.RevertReason, st.ContractAddress = "", ""
	st.Note = fmt.Sprintf("reorged out (block %s orphaned), resubmitted", orphaned)
	s.metrics.resubmitted.WithLabelValues("reorg").Inc()
	if err := s.sendRaw(ctx, st); err != nil && !acceptedAnswer(err) {
		s.log.Warn("gateway: resending after a reorg", "request", st.ID, "err", err)
	}
	st.SentAt = time.Now().UTC()
	s.log.Info("gateway: request reorged out, resubmitted", "request", st.ID, "orphaned", orphaned)
	return st, true, nil
}

// finish makes a mined request final: confirmed, or failed for a filler.
func (s *Service) finish(st *State) {
	st.Status = StatusConfirmed
	if st.Filler {
		st.Status = StatusFailed
	}
}

// resubmit handles a transaction unmined for ResubmitAfter: one the node
// no longer has (dropped: a nonce gap) is sent again as it was; one still
// pending is replaced by a version with bumped fees, persisted first.
func (s *Service) resubmit(ctx context.Context, snd *sender, st State) (State, bool, error) {
	if !s.known(ctx, st) {
		s.metrics.resubmitted.WithLabelValues("dropped").Inc()
		if err := s.sendRaw(ctx, st); err != nil && !acceptedAnswer(err) {
			return st, false, fmt.Errorf("resending dropped request %s: %w", st.ID, err)
		}
		st.SentAt, st.Note = time.Now().UTC(), "dropped by the node, resent"
		s.log.Info("gateway: a dropped transaction was resent (nonce gap repaired)", "request", st.ID, "nonce", st.Nonce)
		return st, true, nil
	}
	now, err := s.currentFees(ctx)
	if err != nil {
		return st, false, err
	}
	signed, err := s.signState(ctx, snd, st, bumped(feesOf(st), now))
	if err != nil {
		return st, false, err
	}
	if err := s.persist(ctx, []State{signed}, false); err != nil {
		return st, false, err
	}
	s.metrics.resubmitted.WithLabelValues("fee_bump").Inc()
	if err := s.sendRaw(ctx, signed); err != nil && !acceptedAnswer(err) {
		return signed, false, fmt.Errorf("sending request %s with bumped fees: %w", st.ID, err)
	}
	signed.Status, signed.SentAt, signed.Note = StatusSent, time.Now().UTC(), "fees bumped: not mined within "+s.cfg.ResubmitAfter.String()
	return signed, true, nil
}
