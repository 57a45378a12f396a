package battery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
	"github.com/chaintap/chaintap/gateway"
	"github.com/chaintap/chaintap/internal/wait"
	"github.com/chaintap/chaintap/kafka"
)

// Submitter is what the write-back needs of the transaction gateway.
type Submitter interface {
	Submit(ctx context.Context, key string, r gateway.Request) (gateway.State, error)
}

// WriteBack closes the demo's loop: every enriched charging session of an
// unblocked battery is recorded on the chain (recordCharge, sent by a
// charging station through the gateway). A session's idempotency key is
// its id, so a replay (a crash before the consumer's offsets were
// committed, a second instance) never records a charge twice: the gateway
// answers a known key with the request it already has.
type WriteBack struct {
	Kafka kafka.Config
	// Group is the consumer group; its committed offsets say which
	// sessions were handed to the gateway.
	Group string
	// From names the gateway's signer of a registered station; Contract
	// names the BatteryRegistry among the gateway's contracts.
	From, Contract string
	Gateway        Submitter
	Log            *slog.Logger
}

// ChargeKey is the idempotency key of a session's charge.
func ChargeKey(sessionID string) string { return "charge-" + sessionID }

// Run hands sessions to the gateway until ctx ends. Offsets are committed
// after the gateway accepted (persisted) every request of a poll.
func (w WriteBack) Run(ctx context.Context) error {
	cl, err := w.Kafka.NewClient(kgo.ConsumeTopics(EnrichedTopic), kgo.ConsumerGroup(w.Group),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.DisableAutoCommit())
	if err != nil {
		return err
	}
	defer cl.Close()
	for {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err := fs.Err0(); err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("charge write-back: reading %s: %w", EnrichedTopic, err)
		}
		for _, r := range fs.Records() {
			if err := w.record(ctx, r); err != nil {
				return err
			}
		}
		if err := cl.CommitUncommittedOffsets(ctx); err != nil && ctx.Err() == nil {
			return fmt.Errorf("charge write-back: committing offsets: %w", err)
		}
	}
}

// session is what the write-back reads of an enriched session.
type session struct {
	ID      string `json:"SESSION_ID"`
	Blocked bool   `json:"BLOCKED"`
}

// record asks the gateway to record r's charge; a blocked battery's
// session is not charged (the contract would refuse it; it is notified).
func (w WriteBack) record(ctx context.Context, r *kgo.Record) error {
	var s session
	if r.Value == nil || json.Unmarshal(r.Value, &s) != nil || s.ID == "" || s.Blocked {
		return nil
	}
	battery, _ := json.Marshal(string(r.Key)) // the stream's key: the battery
	req := gateway.Request{From: w.From, Contract: w.Contract, Method: "recordCharge", Args: []json.RawMessage{battery}}
	for {
		_, err := w.Gateway.Submit(ctx, ChargeKey(s.ID), req)
		var busy *gateway.BusyError
		switch {
		case err == nil, ctx.Err() != nil:
			return nil
		case errors.Is(err, chaintap.ErrRefused):
			// The chain would refuse it (the battery was blocked
			// meanwhile): nothing is sent; the other sessions go on.
			w.Log.Info("a session's charge is refused by the chain", "session", s.ID, "err", err)
			return nil
		case errors.As(err, &busy):
			if err := wait.Sleep(ctx, time.Second); err != nil {
				return nil
			}
			continue
		}
		return fmt.Errorf("charge write-back: session %s: %w", s.ID, err)
	}
}
