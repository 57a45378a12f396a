package stream

import (
	"context"
	"fmt"
	"slices"
)

// Local runs compiled queries in memory, one partition, each stage's
// state in a MemStore: for tests, and for transient queries whose state
// need not survive. A record written to a topic that a stage reads (a
// repartition topic, a derived stream another query reads) is fed to it
// at once, with the next offset of that topic; every other output goes to
// Out.
type Local struct {
	stages  []Query
	procs   []Processor
	stores  []*MemStore
	offsets map[string]int64 // of the topics Local feeds itself
	Out     func(Output)
}

// NewLocal prepares the stages of one or more queries.
func NewLocal(stages []Query, out func(Output)) *Local {
	l := &Local{stages: stages, offsets: map[string]int64{}, Out: out}
	for _, s := range stages {
		l.procs = append(l.procs, s.NewProcessor(0))
		l.stores = append(l.stores, NewMemStore())
	}
	return l
}

// Feed processes one input record (its offset as the caller read it) and
// everything it causes downstream.
func (l *Local) Feed(ctx context.Context, r Record) error {
	var emitted []Output
	consumed := false
	for i, s := range l.stages {
		if !slices.Contains(s.Inputs, r.Topic) {
			continue
		}
		consumed = true
		emitted = emitted[:0]
		if err := l.procs[i].Process(ctx, r, l.stores[i], func(o Output) { emitted = append(emitted, o) }); err != nil {
			return fmt.Errorf("stage %s: %w", s.ID, err)
		}
		for _, o := range emitted {
			if l.Reads(o.Topic) {
				next := Record{Topic: o.Topic, Offset: l.offsets[o.Topic], Key: o.Key, Value: o.Value, Headers: o.Headers, Timestamp: o.Timestamp}
				l.offsets[o.Topic]++
				if err := l.Feed(ctx, next); err != nil {
					return err
				}
			}
			if l.Out != nil {
				l.Out(o)
			}
		}
	}
	if !consumed {
		return fmt.Errorf("no stage reads topic %s", r.Topic)
	}
	return nil
}

// Reads reports whether a stage reads topic.
func (l *Local) Reads(topic string) bool {
	for _, s := range l.stages {
		if slices.Contains(s.Inputs, topic) {
			return true
		}
	}
	return false
}
