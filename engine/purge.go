package engine

import (
	"context"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/stream"
)

// purgeInterval is how often a query deletes the repartition records it
// has committed (Kafka Streams' repartition.purge.interval.ms is 30 s; a
// shorter one keeps an embedded broker's memory small while a chain's
// history streams through).
const purgeInterval = 5 * time.Second

// purger deletes what a query has consumed of repartition topics. Their
// records are kept without time retention (they carry event time, see
// topics.go), so something must delete them: once this query's group has
// committed past a record, nobody reads it again.
type purger struct {
	topics map[string]bool            // the inputs to purge: none, or the repartition topic
	upTo   map[string]map[int32]int64 // committed, not deleted yet
	last   time.Time
}

func newPurger(q stream.Query) *purger {
	p := &purger{topics: map[string]bool{}, upTo: map[string]map[int32]int64{}}
	if q.PurgeInputs {
		for _, in := range q.Inputs {
			p.topics[in] = true
		}
	}
	return p
}

// committed notes the offsets a committed transaction consumed.
func (p *purger) committed(fs kgo.Fetches) {
	if len(p.topics) == 0 {
		return
	}
	fs.EachPartition(func(fp kgo.FetchTopicPartition) {
		if !p.topics[fp.Topic] || len(fp.Records) == 0 {
			return
		}
		if p.upTo[fp.Topic] == nil {
			p.upTo[fp.Topic] = map[int32]int64{}
		}
		p.upTo[fp.Topic][fp.Partition] = fp.Records[len(fp.Records)-1].Offset + 1
	})
}

// purge deletes the committed records, at most every purgeInterval. A
// failure is logged by the caller and retried with the next interval:
// the records stay, nothing is lost.
func (p *purger) purge(ctx context.Context, adm *kadm.Client) error {
	if len(p.upTo) == 0 || time.Since(p.last) < purgeInterval {
		return nil
	}
	p.last = time.Now()
	offs := kadm.Offsets{}
	for t, ps := range p.upTo {
		for part, at := range ps {
			offs.Add(kadm.Offset{Topic: t, Partition: part, At: at})
		}
	}
	resps, err := adm.DeleteRecords(ctx, offs)
	if err == nil {
		err = resps.Error()
	}
	if err != nil {
		return err
	}
	clear(p.upTo)
	return nil
}
