package gateway

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/rpc"
)

// Submit accepts a request under its idempotency key: checks it, estimates
// its gas (a request the chain would refuse is a *RevertError and is not
// accepted), assigns its sender's next nonce and persists it, and returns
// its state (status accepted). A key already known returns that request's
// state instead, whatever r says: a key never sends twice.
func (s *Service) Submit(ctx context.Context, key string, r Request) (State, error) {
	st, _, err := s.submit(ctx, key, r)
	return st, err
}

// submit is Submit that also says whether key was known already.
func (s *Service) submit(ctx context.Context, key string, r Request) (State, bool, error) {
	select {
	case <-s.ready:
	case <-ctx.Done():
		return State{}, false, ctx.Err()
	case <-s.stopped:
		return State{}, false, errStopped
	}
	if key == "" {
		return State{}, false, invalid("idempotency key", "every request needs one (the Idempotency-Key header, the Kafka record key)")
	}
	id := RequestID(key)
	if st, err := s.Get(id); err == nil {
		return st, true, nil
	}
	snd, b, err := s.check(r)
	if err != nil {
		return State{}, false, err
	}
	gas := r.Gas
	if gas == 0 {
		if gas, err = s.estimate(ctx, snd.addr, b); err != nil {
			return State{}, false, err
		}
	}
	st := &State{ID: id, IdempotencyKey: key, Status: StatusAccepted, Request: r, From: snd.from,
		Input: hexutil.Bytes(b.data), Value: b.value.String(), Gas: gas, AcceptedAt: time.Now().UTC()}
	if b.to != nil {
		st.To = b.to.Hex()
	}
	return s.accept(ctx, snd, st)
}

// check finds r's sender and builds r, without asking the node.
func (s *Service) check(r Request) (*sender, built, error) {
	snd, ok := s.senders[r.From]
	if !ok {
		var names []string
		for n := range s.senders {
			names = append(names, n)
		}
		return nil, built{}, invalid("from", "unknown sender %q (configured: %s)", r.From, sortedList(names))
	}
	b, err := build(r, s.contracts)
	return snd, b, err
}

// estimate asks the node for the gas and adds the margin. A revert is a
// *RevertError with the contract's reason.
func (s *Service) estimate(ctx context.Context, from common.Address, b built) (uint64, error) {
	msg := ethereum.CallMsg{From: from, To: b.to, Value: b.value, Data: b.data}
	gas, err := s.node.EstimateGas(ctx, msg)
	if err != nil {
		if reason, ok := revertReason(err, b.abi); ok {
			return 0, &RevertError{Reason: reason}
		}
		var rpcErr rpc.Error
		if errors.As(err, &rpcErr) {
			return 0, &NodeRefusedError{Message: err.Error()}
		}
		return 0, fmt.Errorf("estimating gas: %w", err)
	}
	return gas + gas*uint64(s.cfg.GasMarginPercent)/100, nil
}

// accept assigns st its nonce and persists it. The writer goroutine runs
// prepare and done one op at a time, so nonces are handed out in commit
// order and given back if the commit fails.
func (s *Service) accept(ctx context.Context, snd *sender, st *State) (State, bool, error) {
	dup := false
	o := &op{
		prepare: func() ([]*State, []Receipt, error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.states[st.ID] != nil || s.pending[st.ID] != nil {
				dup = true
				return nil, nil, nil
			}
			if snd.queued >= s.cfg.MaxQueued {
				return nil, nil, &BusyError{Sender: snd.name, Queued: snd.queued}
			}
			st.Nonce = snd.next
			snd.next++
			snd.queued++
			s.pending[st.ID] = st
			return []*State{st}, []Receipt{receiptOf(s.cfg.Chain, st)}, nil
		},
		done: func(err error) {
			s.mu.Lock()
			defer s.mu.Unlock()
			if dup {
				return
			}
			delete(s.pending, st.ID)
			if err != nil {
				snd.next = st.Nonce
				snd.queued--
				return
			}
			s.states[st.ID] = st
			snd.open[st.Nonce] = st.ID
			wake(snd)
		},
	}
	if err := s.writer.do(ctx, s.stopped, o); err != nil {
		return State{}, false, err
	}
	if dup {
		// Accepted by a concurrent caller with the same key; its
		// transaction committed before ours was prepared... or is in the
		// batch being committed: wait for it.
		return s.waitKnown(ctx, st.ID)
	}
	s.metrics.accepted.Inc()
	return st.Public(), false, nil
}

func (s *Service) waitKnown(ctx context.Context, id string) (State, bool, error) {
	for {
		if st, err := s.Get(id); err == nil {
			return st, true, nil
		}
		select {
		case <-ctx.Done():
			return State{}, true, ctx.Err()
		case <-s.stopped:
			return State{}, true, errStopped
		case <-time.After(5 * time.Millisecond):
		}
	}
}

func wake(snd *sender) {
	select {
	case snd.wake <- struct{}{}:
	default:
	}
}

// reject publishes a receipt for a request refused before acceptance (one
// from Kafka: its producer has no other answer).
func (s *Service) reject(ctx context.Context, key string, r Request, cause error) error {
	rc := Receipt{Chain: s.cfg.Chain, RequestID: RequestID(key), IdempotencyKey: key, Status: StatusRejected, Error: cause.Error()}
	var rev *RevertError
	if errors.As(cause, &rev) {
		rc.RevertReason = rev.Reason
	}
	s.metrics.rejected.Inc()
	o := &op{prepare: func() ([]*State, []Receipt, error) { return nil, []Receipt{rc}, nil }}
	return s.writer.do(ctx, s.stopped, o)
}
