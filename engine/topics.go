package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/chaintap/chaintap/internal/wait"
	"github.com/chaintap/chaintap/kafka"
)

// Topic configurations. Records of the engine's topics carry event time
// (ROWTIME), which for a chain's history is years old: with the broker's
// default time retention (7 days) a repartition topic lost records its
// second stage had not read yet (measured: 1–4 % of a 1 M-event
// aggregation, the consumer reset past the deleted offsets), and an
// embedded broker (kfake, which applies time retention to compacted
// topics too, unlike Kafka) deleted changelog and table rows. Kafka
// Streams creates its repartition topics with retention.ms=-1 for the
// same reason. The engine creates its output streams so too (unlike
// ksqlDB, which leaves the broker's default): a stream derived from a
// chain followed from genesis would otherwise lose its history within
// minutes of writing it. On Kafka, retention.ms does nothing to a
// compact-only topic, so setting it there only makes kfake behave like
// Kafka.
var (
	compacted   = map[string]*string{"cleanup.policy": kadm.StringPtr("compact"), "retention.ms": kadm.StringPtr("-1")}
	neverExpire = map[string]*string{"cleanup.policy": kadm.StringPtr("delete"), "retention.ms": kadm.StringPtr("-1")}
)

// ensureTopics waits for the query's inputs to exist, checks that they are
// co-partitioned, and creates its outputs and changelog when missing. It
// returns the inputs' partition count: the number of tasks.
func (q *queryRunner) ensureTopics(ctx context.Context) (int32, error) {
	parts, err := q.inputPartitions(ctx)
	if err != nil {
		return 0, err
	}
	rf := q.kafka.Topics.ReplicationFactor
	if rf == 0 {
		rf = -1 // the broker's default
	}
	for _, o := range q.q.Outputs {
		n := o.Partitions
		if n <= 0 {
			n = parts
		}
		configs := neverExpire // a stream's records of a chain's history are as old as it
		if o.Compacted {
			configs = compacted
		}
		if err := kafka.CreateTopic(ctx, q.adm, n, rf, configs, o.Name); err != nil {
			return 0, fmt.Errorf("query %s: %w", q.q.ID, err)
		}
		if o.Repartition {
			if err := q.neverExpire(ctx, o.Name); err != nil {
				return 0, err
			}
		}
	}
	if err := kafka.CreateTopic(ctx, q.adm, parts, rf, compacted, q.changelog); err != nil {
		return 0, fmt.Errorf("query %s: %w", q.q.ID, err)
	}
	if err := q.neverExpire(ctx, q.changelog); err != nil {
		return 0, err
	}
	// An existing changelog must match: its partition p is task p's state.
	tds, err := q.adm.ListTopics(ctx, q.changelog)
	if err != nil {
		return 0, fmt.Errorf("query %s: describing changelog %s: %w", q.q.ID, q.changelog, err)
	}
	if td := tds[q.changelog]; td.Err != nil || int32(len(td.Partitions)) != parts {
		return 0, fmt.Errorf("query %s: changelog %s has %d partitions, the inputs %d (%v)", q.q.ID, q.changelog, len(td.Partitions), parts, td.Err)
	}
	return parts, nil
}

// neverExpire sets retention.ms=-1 on an internal topic that existed
// already: one created by a version that left the broker's default.
func (q *queryRunner) neverExpire(ctx context.Context, topic string) error {
	resps, err := q.adm.AlterTopicConfigs(ctx, []kadm.AlterConfig{{Op: kadm.SetConfig, Name: "retention.ms", Value: kadm.StringPtr("-1")}}, topic)
	if err == nil {
		var r kadm.AlterConfigsResponse
		if r, err = resps.On(topic, nil); err == nil {
			err = r.Err
		}
	}
	if err != nil {
		return fmt.Errorf("query %s: keeping %s's records until read (retention.ms=-1): %w", q.q.ID, topic, err)
	}
	return nil
}

// inputPartitions waits until every input exists and returns their
// partition count, which must be the same for all: task p reads partition
// p of each (they are co-partitioned).
func (q *queryRunner) inputPartitions(ctx context.Context) (int32, error) {
	for waited := false; ; waited = true {
		tds, err := q.adm.ListTopics(ctx, q.q.Inputs...)
		if err != nil {
			return 0, fmt.Errorf("query %s: describing inputs: %w", q.q.ID, err)
		}
		var missing []string
		parts := int32(-1)
		for _, in := range q.q.Inputs {
			td, ok := tds[in]
			if !ok || errors.Is(td.Err, kerr.UnknownTopicOrPartition) {
				missing = append(missing, in)
				continue
			}
			if td.Err != nil {
				return 0, fmt.Errorf("query %s: describing input %s: %w", q.q.ID, in, td.Err)
			}
			n := int32(len(td.Partitions))
			if parts >= 0 && n != parts {
				return 0, fmt.Errorf("query %s: inputs are not co-partitioned: %s has %d partitions, %s %d", q.q.ID, in, n, q.q.Inputs[0], parts)
			}
			parts = n
		}
		if len(missing) == 0 {
			return parts, nil
		}
		if !waited {
			q.log.Info("waiting for input topics to be created", "topics", missing)
		}
		if err := wait.Sleep(ctx, inputWait); err != nil {
			return 0, err
		}
	}
}
