package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/chaintap/chaintap/kafka"
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
	compact := map[string]*string{"cleanup.policy": kadm.StringPtr("compact")}
	for _, o := range q.q.Outputs {
		n := o.Partitions
		if n <= 0 {
			n = parts
		}
		var configs map[string]*string
		if o.Compacted {
			configs = compact
		}
		if err := kafka.CreateTopic(ctx, q.adm, n, rf, configs, o.Name); err != nil {
			return 0, fmt.Errorf("query %s: %w", q.q.ID, err)
		}
	}
	if err := kafka.CreateTopic(ctx, q.adm, parts, rf, compact, q.changelog); err != nil {
		return 0, fmt.Errorf("query %s: %w", q.q.ID, err)
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
		if err := sleep(ctx, inputWait); err != nil {
			return 0, err
		}
	}
}
