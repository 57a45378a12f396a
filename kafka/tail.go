package kafka

import (
	"context"

	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Tail reads topics from their start and goes on with every record
// committed after (read_committed), calling fn in each partition's order,
// until ctx is done. It is how the API process builds its tables from
// Kafka: whatever it shows came through the topics.
func Tail(ctx context.Context, cfg Config, topics []string, fn func(*kgo.Record)) error {
	cl, err := cfg.NewClient(
		kgo.ConsumeTopics(topics...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
	)
	if err != nil {
		return err
	}
	defer cl.Close()
	for {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return nil
		}
		// A topic the follower has not created yet is not an error.
		if err := fetchErr(fs, "tailing", kerr.UnknownTopicOrPartition); err != nil {
			return err
		}
		fs.EachRecord(fn)
	}
}
