package kafka

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap"
)

// ResetChain forgets a chain: it deletes its data topics and its reorg
// topic, and writes a tombstone for its cursor, so that its next follower
// starts afresh. It is for a development chain that itself starts afresh
// (a regtest node that keeps no blocks across restarts); a real chain's
// history is never reset.
func ResetChain(ctx context.Context, cfg Config, chain string, family chaintap.Family) error {
	cl, err := cfg.NewClient()
	if err != nil {
		return err
	}
	defer cl.Close()
	t := TopicsOf(cfg.Topics.Prefix, chain, family)
	adm := kadm.NewClient(cl)
	resps, err := adm.DeleteTopics(ctx, append(t.All(), t.Reorgs())...)
	if err != nil {
		return fmt.Errorf("deleting the topics of %s: %w", chain, err)
	}
	for _, r := range resps {
		if r.Err != nil && !errors.Is(r.Err, kerr.UnknownTopicOrPartition) {
			return fmt.Errorf("deleting %s: %w", r.Topic, r.Err)
		}
	}
	// The cursors topic may not exist yet (a first run): the tombstone
	// needs it, as a publisher would create it.
	compact := map[string]*string{"cleanup.policy": kadm.StringPtr("compact")}
	if err := CreateTopic(ctx, adm, 1, -1, compact, CursorsTopic); err != nil {
		return err
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Topic: CursorsTopic, Key: []byte(chain)}).FirstErr(); err != nil {
		return fmt.Errorf("forgetting the cursor of %s: %w", chain, err)
	}
	return nil
}
