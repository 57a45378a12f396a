package gateway

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
)

// runSender is one sender's loop: send what is accepted (up to the
// in-flight limit), then watch what is sent, every PollInterval or when a
// request arrives.
func (s *Service) runSender(ctx context.Context, snd *sender) error {
	tick := time.NewTicker(s.cfg.PollInterval)
	defer tick.Stop()
	for {
		if err := s.sendReady(ctx, snd); err != nil {
			if ctx.Err() != nil {
				return nil // stopping: what was cut short is redone after a restart
			}
			if fatal(ctx, err) {
				return err
			}
			s.log.Warn("gateway: sending", "sender", snd.name, "err", err)
		}
		if err := s.watch(ctx, snd); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if fatal(ctx, err) {
				return err
			}
			s.log.Warn("gateway: watching", "sender", snd.name, "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-snd.wake:
		case <-tick.C:
		}
	}
}

// fatalError stops the gateway: the state in memory may no longer be what
// Kafka holds (a failed write), or a hook asked for a crash.
type fatalError struct{ err error }

func (e *fatalError) Error() string { return e.err.Error() }
func (e *fatalError) Unwrap() error { return e.err }

func fatal(ctx context.Context, err error) bool {
	var fe *fatalError
	return errors.As(err, &fe) || ctx.Err() != nil
}

// sendReady signs the oldest accepted requests that fit in flight,
// persists them signed, sends them, and persists them sent. Requests left
// signed (a crash before sending, a node that did not answer) are sent
// again with the same bytes unless the node knows them already.
func (s *Service) sendReady(ctx context.Context, snd *sender) error {
	open := s.openOf(snd)
	inFlight := 0
	var toSign, recovered []State
	for _, st := range open {
		switch st.Status {
		case StatusSigned:
			recovered = append(recovered, st)
			inFlight++
		case StatusSent:
			inFlight++
		}
	}
	// Sign in nonce order and stop at the first that does not fit: a
	// nonce signed past an unsigned one would wait on the node for it.
	for _, st := range open {
		if st.Status != StatusAccepted {
			continue
		}
		if inFlight+len(toSign) >= s.cfg.MaxInFlight {
			break
		}
		toSign = append(toSign, st)
	}
	if err := s.sendSigned(ctx, snd, recovered, true); err != nil {
		return err
	}
	if len(toSign) > 0 {
		signed, err := s.sign(ctx, snd, toSign)
		if err != nil {
			return err
		}
		if err := s.persist(ctx, signed, false); err != nil {
			return err
		}
		if h := s.cfg.Hooks; h != nil && h.AfterSigned != nil {
			if err := h.AfterSigned(signed); err != nil {
				return &fatalError{err}
			}
		}
		return s.sendSigned(ctx, snd, signed, false)
	}
	return nil
}

// sign signs each request with the node's current fees.
func (s *Service) sign(ctx context.Context, snd *sender, sts []State) ([]State, error) {
	f, err := s.currentFees(ctx)
	if err != nil {
		return nil, err
	}
	if h := s.cfg.Hooks; h != nil && h.Fees != nil {
		f.tip, f.cap = h.Fees(f.tip, f.cap)
	}
	out := make([]State, 0, len(sts))
	for _, st := range sts {
		signed, err := s.signState(ctx, snd, st, f)
		if err != nil {
			return nil, err
		}
		out = append(out, signed)
	}
	return out, nil
}

// signState signs st's transaction with fees f and records the signed
// bytes, their hash and the fees in the state it returns.
func (s *Service) signState(ctx context.Context, snd *sender, st State, f fees) (State, error) {
	var to *common.Address
	if st.To != "" {
		a := common.HexToAddress(st.To)
		to = &a
	}
	value, _ := new(big.Int).SetString(st.Value, 10)
	if value == nil {
		value = new(big.Int)
	}
	tx := types.NewTx(&types.DynamicFeeTx{ChainID: s.chainID, Nonce: st.Nonce, GasTipCap: f.tip, GasFeeCap: f.cap,
		Gas: st.Gas, To: to, Value: value, Data: st.Input})
	signed, err := snd.signer.SignTx(ctx, tx, s.chainID)
	if err != nil {
		return st, fmt.Errorf("request %s: %w", st.ID, err)
	}
	raw, err := signed.MarshalBinary()
	if err != nil {
		return st, fmt.Errorf("encoding request %s's transaction: %w", st.ID, err)
	}
	st.Status = StatusSigned
	st.Raw = hexutil.Bytes(raw)
	st.TxHash = signed.Hash().Hex()
	st.Hashes = append(st.Hashes, st.TxHash)
	st.MaxFeePerGas, st.MaxPriorityFeePerGas = f.cap.String(), f.tip.String()
	return st, nil
}

// persist saves states; a failure is fatal (see store.write).
func (s *Service) persist(ctx context.Context, sts []State, publish bool) error {
	if err := s.save(ctx, sts, publish); err != nil {
		if ctx.Err() != nil {
			return err
		}
		return &fatalError{err}
	}
	return nil
}

// sendSigned sends signed transactions in nonce order and persists them
// as sent. When check is set (states found signed: an earlier round or
// process signed them and may have sent them before it stopped), it asks
// the node about their hashes first; a known one is not sent again.
func (s *Service) sendSigned(ctx context.Context, snd *sender, sts []State, check bool) error {
	var sent []State
	for _, st := range sts {
		st, err := s.sendOne(ctx, snd, st, check)
		if err != nil {
			if errors.Is(err, errNotSent) {
				continue
			}
			return errors.Join(err, s.persist(ctx, sent, true))
		}
		sent = append(sent, st)
	}
	if h := s.cfg.Hooks; h != nil && h.AfterSent != nil && len(sent) > 0 {
		if err := h.AfterSent(sent); err != nil {
			return &fatalError{err}
		}
	}
	return s.persist(ctx, sent, true)
}

// errNotSent leaves a request signed for the next round (the node did not
// answer).
var errNotSent = errors.New("not sent")

func (s *Service) sendOne(ctx context.Context, snd *sender, st State, check bool) (State, error) {
	if check && s.known(ctx, st) {
		st.Status, st.SentAt = StatusSent, time.Now().UTC()
		return st, nil
	}
	err := s.sendRaw(ctx, st)
	switch {
	case err == nil, acceptedAnswer(err):
	case feeRefusal(err):
		return s.resign(ctx, snd, st, err)
	case permanentRefusal(err):
		return s.fill(ctx, snd, st, err)
	default:
		s.log.Warn("gateway: the node did not take a transaction; trying again", "request", st.ID, "nonce", st.Nonce, "err", err)
		return st, errNotSent
	}
	st.Status, st.SentAt = StatusSent, time.Now().UTC()
	return st, nil
}

// known reports whether the node has any of st's signed versions.
func (s *Service) known(ctx context.Context, st State) bool {
	for _, h := range st.Hashes {
		if _, _, err := s.node.TransactionByHash(ctx, common.HexToHash(h)); err == nil {
			return true
		}
	}
	return false
}

func (s *Service) sendRaw(ctx context.Context, st State) error {
	send := func() error {
		tx := new(types.Transaction)
		if err := tx.UnmarshalBinary(st.Raw); err != nil {
			return fmt.Errorf("decoding the signed transaction of %s: %w", st.ID, err)
		}
		s.metrics.sent.Inc()
		return s.node.SendTransaction(ctx, tx)
	}
	if h := s.cfg.Hooks; h != nil && h.Send != nil {
		return h.Send(ctx, st, send)
	}
	return send()
}
