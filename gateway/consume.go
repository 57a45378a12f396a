package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap"
)

// ConsumerGroup is the group that reads chain's request topic.
func ConsumerGroup(chain string) string { return "chaintap-gateway-" + chain }

// consume accepts requests from <chain>.tx.requests: the record key is
// the idempotency key, the value a JSON Request. Records of one sender are
// accepted in topic order (their nonces follow it); senders go in
// parallel. Offsets are committed once a poll's records are all accepted
// or rejected, so a crash repeats at most those, and their keys make the
// repeats no-ops. A full sender queue holds consumption (backpressure).
func (s *Service) consume(ctx context.Context) error {
	cl, err := s.cfg.Kafka.NewClient(kgo.ConsumerGroup(ConsumerGroup(s.cfg.Chain)), kgo.ConsumeTopics(s.topics.Requests),
		kgo.DisableAutoCommit(), kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.DisableClientMetrics(),
		// A gateway that died holds its partitions until its session
		// expires: keep that short (Kafka's default is 45 s).
		kgo.SessionTimeout(10*time.Second))
	if err != nil {
		return err
	}
	defer func() {
		// Leaving waits for a join in progress (one that waits for a dead
		// member's session to expire): bound it, the broker expires us anyway.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 3*time.Second)
		defer cancel()
		_ = cl.LeaveGroupContext(lctx)
		cl.Close()
	}()
	for {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		var ferr error
		fs.EachError(func(t string, p int32, err error) {
			ferr = errors.Join(ferr, fmt.Errorf("reading %s partition %d: %w", t, p, err))
		})
		if ferr != nil {
			s.log.Warn("gateway: consuming requests", "err", ferr)
		}
		if err := s.acceptRecords(ctx, fs.Records()); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if err := cl.CommitUncommittedOffsets(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("gateway: committing request offsets (they will be read again, and be no-ops)", "err", err)
		}
	}
}

func (s *Service) acceptRecords(ctx context.Context, recs []*kgo.Record) error {
	bySender := map[string][]*kgo.Record{}
	var order []string
	for _, r := range recs {
		var probe struct {
			From string `json:"from"`
		}
		_ = json.Unmarshal(r.Value, &probe)
		if _, ok := bySender[probe.From]; !ok {
			order = append(order, probe.From)
		}
		bySender[probe.From] = append(bySender[probe.From], r)
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, from := range order {
		g.Go(func() error {
			for _, r := range bySender[from] {
				if err := s.acceptRecord(gctx, r); err != nil {
					return err
				}
			}
			return nil
		})
	}
	return g.Wait()
}

// acceptRecord accepts one request record, waiting while its sender's
// queue is full; a request refused gets a rejected receipt.
func (s *Service) acceptRecord(ctx context.Context, rec *kgo.Record) error {
	key := string(rec.Key)
	var req Request
	err := json.Unmarshal(rec.Value, &req)
	if err != nil {
		err = invalid("value", "not a JSON request: %v", err)
	}
	if key == "" {
		key = fmt.Sprintf("%s/%d/%d", rec.Topic, rec.Partition, rec.Offset)
		err = invalid("key", "the record key must be the request's idempotency key")
	}
	for err == nil {
		_, _, err = s.submit(ctx, key, req)
		var busy *BusyError
		if !errors.As(err, &busy) {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(s.cfg.PollInterval):
			err = nil
		}
	}
	if errors.Is(err, chaintap.ErrInvalid) || errors.Is(err, chaintap.ErrRefused) {
		return s.reject(ctx, key, req, err)
	}
	return err
}
