package seal

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/kafka"
)

// idleLimit is how long a scan waits for a partition that has records
// left but delivers nothing: an open transaction holds the stable offset
// back (kafka.ReadTopic bounds the whole read instead, which a large
// topic outgrows).
const idleLimit = 2 * time.Minute

// scan calls fn with every committed record of topic's partitions below
// their end offsets (ends, listed before), partition by partition in
// offset order, however long that takes, failing only when nothing
// arrives for idleLimit.
func scan(ctx context.Context, kcfg kafka.Config, topic string, ends map[int32]int64, fn func(*kgo.Record)) error {
	start := map[int32]kgo.Offset{}
	want := map[int32]int64{}
	for p, end := range ends {
		if end > 0 {
			start[p], want[p] = kgo.NewOffset().AtStart(), end
		}
	}
	if len(want) == 0 {
		return nil
	}
	cl, err := kcfg.NewClient(kgo.DisableClientMetrics(),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: start}),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.KeepControlRecords()) // they tell when an aborted tail is passed
	if err != nil {
		return err
	}
	defer cl.Close()
	for len(want) > 0 {
		pctx, cancel := context.WithTimeout(ctx, idleLimit)
		fs := cl.PollFetches(pctx)
		cancel()
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := scanErr(fs, topic); err != nil {
			return err
		}
		if fs.NumRecords() == 0 {
			return fmt.Errorf("reading %s: nothing for %s with records left (an open transaction may be holding its stable offset back)", topic, idleLimit)
		}
		fs.EachRecord(func(r *kgo.Record) {
			end, ok := want[r.Partition]
			if !ok {
				return
			}
			if r.Offset >= end-1 {
				delete(want, r.Partition)
			}
			if r.Offset < end && !r.Attrs.IsControl() {
				fn(r)
			}
		})
	}
	return nil
}

func scanErr(fs kgo.Fetches, topic string) error {
	var ferr error
	fs.EachError(func(_ string, p int32, err error) {
		if ferr == nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
			ferr = fmt.Errorf("reading %s partition %d: %w", topic, p, err)
		}
	})
	return ferr
}
