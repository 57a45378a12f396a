package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/chaintap/chaintap/internal/wait"
)

// changelogPartition is what restoring a task needs to know about its
// changelog partition, as of the restore's start.
type changelogPartition struct {
	topic     string
	id        [16]byte
	partition int32
	leader    int32
	start     int64 // the log start offset
	end       int64 // the high watermark
}

// describeChangelog looks up partition p of topic: its topic ID, leader
// and offsets.
func describeChangelog(ctx context.Context, adm *kadm.Client, topic string, p int32) (changelogPartition, error) {
	cp := changelogPartition{topic: topic, partition: p}
	md, err := adm.Metadata(ctx, topic)
	if err != nil {
		return cp, fmt.Errorf("describing changelog %s: %w", topic, err)
	}
	td, ok := md.Topics[topic]
	if !ok || td.Err != nil {
		return cp, fmt.Errorf("describing changelog %s: %w", topic, errors.Join(td.Err, kerr.UnknownTopicOrPartition))
	}
	pd, ok := td.Partitions[p]
	if !ok {
		return cp, fmt.Errorf("changelog %s has no partition %d (it has %d)", topic, p, len(td.Partitions))
	}
	cp.id, cp.leader = td.ID, pd.Leader
	for _, list := range []struct {
		fn  func(context.Context, ...string) (kadm.ListedOffsets, error)
		dst *int64
	}{{adm.ListStartOffsets, &cp.start}, {adm.ListEndOffsets, &cp.end}} {
		los, err := list.fn(ctx, topic)
		if err == nil {
			err = los.Error()
		}
		if err != nil {
			return cp, fmt.Errorf("listing offsets of changelog %s: %w", topic, err)
		}
		lo, ok := los.Lookup(topic, p)
		if !ok {
			return cp, fmt.Errorf("listing offsets of changelog %s: no partition %d", topic, p)
		}
		*list.dst = lo.Offset
	}
	return cp, nil
}

// readChangelog calls apply with the committed records of cp from offset
// from to the partition's last stable offset as of the first fetch, in
// order, a fetch at a time, each with the offset to read on from.
//
// It sends Fetch requests itself rather than running a consumer: a
// consumer does not tell where it stands, and the records before the last
// stable offset can end in a gap (an aborted transaction, records removed
// by compaction), so no record says the end was reached. A fetch answers
// exactly: it returns the batches it has below the last stable offset
// from the asked offset, and none means none is left.
func readChangelog(ctx context.Context, cl *kgo.Client, cp changelogPartition, from int64, apply func(rs []*kgo.Record, next int64) error) error {
	pos, end := from, int64(-1)
	maxBytes := int32(8 << 20)
	for tries := 0; end < 0 || pos < end; {
		part, err := fetchChangelog(ctx, cl, cp, pos, maxBytes)
		if err != nil && ctx.Err() == nil && isRetriable(err) && tries < 10 {
			// The leader moved, or the broker is busy: look again.
			tries++
			if err := wait.Sleep(ctx, time.Duration(tries)*100*time.Millisecond); err != nil {
				return err
			}
			if fresh, err := describeChangelog(ctx, kadm.NewClient(cl), cp.topic, cp.partition); err == nil {
				cp.leader = fresh.leader
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("restoring from %s partition %d at offset %d: %w", cp.topic, cp.partition, pos, err)
		}
		tries = 0
		if end < 0 {
			end = part.LastStableOffset
			if end < 0 { // a broker too old to say (fetch v3 and before)
				end = part.HighWatermark
			}
		}
		if len(part.RecordBatches) == 0 {
			return nil // nothing left below the last stable offset
		}
		fp, next := kgo.ProcessFetchPartition(kgo.ProcessFetchPartitionOpts{
			Offset:         pos,
			IsolationLevel: kgo.ReadCommitted(),
			Topic:          cp.topic,
			Partition:      cp.partition,
		}, part, kgo.DefaultDecompressor(), nil)
		if fp.Err != nil {
			return fmt.Errorf("restoring from %s partition %d at offset %d: %w", cp.topic, cp.partition, pos, fp.Err)
		}
		if next <= pos {
			// The first batch did not fit (a broker may cut it short):
			// ask for more room.
			if maxBytes >= 256<<20 {
				return fmt.Errorf("restoring from %s partition %d at offset %d: a batch larger than %d bytes", cp.topic, cp.partition, pos, maxBytes)
			}
			maxBytes *= 2
			continue
		}
		// Every record returned is committed (it is below the last
		// stable offset of this fetch), so all are applied, even past
		// end.
		if err := apply(fp.Records, next); err != nil {
			return err
		}
		pos = next
	}
	return nil
}

// fetchChangelog fetches cp from pos, read_committed, without waiting.
func fetchChangelog(ctx context.Context, cl *kgo.Client, cp changelogPartition, pos int64, maxBytes int32) (*kmsg.FetchResponseTopicPartition, error) {
	req := kmsg.NewPtrFetchRequest()
	req.ReplicaID = -1
	req.MaxWaitMillis = 0
	req.MinBytes = 1
	req.MaxBytes = maxBytes
	req.IsolationLevel = 1
	req.SessionEpoch = -1 // no fetch session: one full fetch at a time
	rt := kmsg.NewFetchRequestTopic()
	rt.Topic, rt.TopicID = cp.topic, cp.id
	rp := kmsg.NewFetchRequestTopicPartition()
	rp.Partition = cp.partition
	rp.FetchOffset = pos
	rp.PartitionMaxBytes = maxBytes
	rp.CurrentLeaderEpoch, rp.LogStartOffset, rp.LastFetchedEpoch = -1, -1, -1
	rt.Partitions = append(rt.Partitions, rp)
	req.Topics = append(req.Topics, rt)
	kresp, err := cl.Broker(int(cp.leader)).Request(ctx, req)
	if err != nil {
		return nil, err
	}
	resp := kresp.(*kmsg.FetchResponse)
	if err := kerr.ErrorForCode(resp.ErrorCode); err != nil {
		return nil, err
	}
	if len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 1 {
		return nil, fmt.Errorf("fetch answered %d topics, want the one asked", len(resp.Topics))
	}
	part := &resp.Topics[0].Partitions[0]
	if err := kerr.ErrorForCode(part.ErrorCode); err != nil {
		return nil, err
	}
	return part, nil
}

// isRetriable reports whether a fetch may succeed if tried again: a
// retriable Kafka error, or no Kafka error at all (the connection broke).
func isRetriable(err error) bool {
	var ke *kerr.Error
	if errors.As(err, &ke) {
		return ke.Retriable
	}
	return true
}
