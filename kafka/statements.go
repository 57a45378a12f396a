package kafka

import (
	"context"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
)

// StatementsTopic keeps the SQL statements `chaintap process` runs, as
// ksqlDB's command topic does: a restarted instance, or a second one
// started without a file, runs the same queries. Compacted, one
// partition, the whole statement file under one key: the latest file is
// what runs.
const StatementsTopic = "_chaintap.statements"

const statementsKey = "statements"

// SaveStatements records the statement file that runs from now on.
func SaveStatements(ctx context.Context, cfg Config, text string) error {
	cl, err := cfg.NewClient(kgo.DisableClientMetrics())
	if err != nil {
		return err
	}
	defer cl.Close()
	rf := cfg.Topics.ReplicationFactor
	if rf == 0 {
		rf = -1
	}
	compact := map[string]*string{"cleanup.policy": kadm.StringPtr("compact")}
	if err := CreateTopic(ctx, kadm.NewClient(cl), 1, rf, compact, StatementsTopic); err != nil {
		return err
	}
	rec := &kgo.Record{Topic: StatementsTopic, Key: []byte(statementsKey), Value: []byte(text)}
	if err := cl.ProduceSync(ctx, rec).FirstErr(); err != nil {
		return fmt.Errorf("saving the statements in %s: %w", StatementsTopic, err)
	}
	return nil
}

// LoadStatements returns the statement file saved last; ok is false when
// none was.
func LoadStatements(ctx context.Context, cfg Config) (text string, ok bool, err error) {
	err = ReadTopic(ctx, cfg, StatementsTopic, 0, func(r *kgo.Record) error {
		if string(r.Key) == statementsKey {
			text, ok = string(r.Value), r.Value != nil
		}
		return nil
	})
	if err != nil {
		return "", false, fmt.Errorf("reading the statements from %s: %w", StatementsTopic, err)
	}
	return text, ok, nil
}
