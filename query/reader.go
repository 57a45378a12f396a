package query

import (
	"context"
	"errors"
	"fmt"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/kafka"
)

// reader consumes a query's input topics, every partition, read_committed,
// without a group, and knows when it has read everything committed when
// it started.
type reader struct {
	cl     *kgo.Client
	target map[string]map[int32]int64 // committed end offsets at start
	next   map[string]map[int32]int64 // the offset after the last record seen
}

// ErrUnknownTopic is returned (wrapped) when an input topic does not exist.
var ErrUnknownTopic = errors.New("topic does not exist")

// newReader starts consuming topics from their start or their committed
// end, as of now: the offsets are resolved before it returns, so that a
// record committed after it returns is read even when fromBeginning is
// false.
//
// The client keeps control records (transaction markers) instead of
// hiding them: the committed end offset of a partition is one past its
// last commit marker, and only by seeing the marker does the reader know
// it reached it.
func newReader(ctx context.Context, kcfg kafka.Config, topics []string, fromBeginning bool) (*reader, error) {
	admCl, err := kcfg.NewClient(kgo.DisableClientMetrics())
	if err != nil {
		return nil, err
	}
	r := &reader{target: map[string]map[int32]int64{}, next: map[string]map[int32]int64{}}
	err = r.bounds(ctx, kadm.NewClient(admCl), topics, fromBeginning)
	admCl.Close()
	if err != nil {
		return nil, err
	}
	at := map[string]map[int32]kgo.Offset{}
	for t, ps := range r.next {
		at[t] = map[int32]kgo.Offset{}
		for p, o := range ps {
			at[t][p] = kgo.NewOffset().At(o)
		}
	}
	r.cl, err = kcfg.NewClient(kgo.ConsumePartitions(at), kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		kgo.KeepControlRecords(), kgo.DisableClientMetrics())
	if err != nil {
		return nil, err
	}
	return r, nil
}

// bounds records, per partition, where reading starts and the committed
// end to catch up to.
func (r *reader) bounds(ctx context.Context, adm *kadm.Client, topics []string, fromBeginning bool) error {
	ends, err := adm.ListCommittedOffsets(ctx, topics...)
	if err != nil {
		return fmt.Errorf("listing the offsets of %v: %w", topics, err)
	}
	starts, err := adm.ListStartOffsets(ctx, topics...)
	if err != nil {
		return fmt.Errorf("listing the offsets of %v: %w", topics, err)
	}
	for _, t := range topics {
		ps, ok := ends[t]
		if !ok || len(ps) == 0 {
			return fmt.Errorf("%s: %w", t, ErrUnknownTopic)
		}
		r.target[t], r.next[t] = map[int32]int64{}, map[int32]int64{}
		for p, lo := range ps {
			if errors.Is(lo.Err, kerr.UnknownTopicOrPartition) {
				return fmt.Errorf("%s: %w", t, ErrUnknownTopic)
			}
			if lo.Err != nil {
				return fmt.Errorf("listing the offsets of %s: %w", t, lo.Err)
			}
			start := lo.Offset
			if s, ok := starts.Lookup(t, p); ok && fromBeginning {
				start = s.Offset
			}
			r.target[t][p], r.next[t][p] = lo.Offset, start
		}
	}
	return nil
}

// poll returns the next data records (no control records), at least one
// unless ctx ends first.
func (r *reader) poll(ctx context.Context) ([]*kgo.Record, error) {
	for {
		fs := r.cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var fatal error
		fs.EachError(func(t string, p int32, err error) {
			if fatal == nil && !errors.Is(err, context.Canceled) {
				fatal = fmt.Errorf("reading %s partition %d: %w", t, p, err)
			}
		})
		if fatal != nil {
			return nil, fatal
		}
		var out []*kgo.Record
		fs.EachRecord(func(rec *kgo.Record) {
			if ps := r.next[rec.Topic]; ps != nil {
				ps[rec.Partition] = rec.Offset + 1
			}
			if !rec.Attrs.IsControl() {
				out = append(out, rec)
			}
		})
		if len(out) > 0 || r.caughtUp() {
			return out, nil
		}
	}
}

// caughtUp reports whether every record committed when the reader started
// has been read.
func (r *reader) caughtUp() bool {
	for t, ps := range r.target {
		for p, end := range ps {
			if r.next[t][p] < end {
				return false
			}
		}
	}
	return true
}

func (r *reader) close() { r.cl.Close() }
