package stream

import (
	"fmt"

	"github.com/chaintap/chaintap/sql"
)

// Options is what Compile needs besides the plan.
type Options struct {
	// Retracting reports whether a topic's records can be retracted
	// (op=retract): chaintap's head-view topics and streams derived from
	// them. A stage remembers what each such record contributed, so that
	// a retraction undoes exactly that; records of other topics are not
	// remembered, which keeps the state of queries over .confirmed views
	// and plain topics bounded.
	Retracting func(topic string) bool
	// InternalPrefix starts the names of internal topics (default
	// "_chaintap.").
	InternalPrefix string
	// Errors counts records that went to the errors topic (nil: none).
	Errors Counter
	// ChainPosition names a chain topic's columns that order its records
	// as the chain does: the block number and the index in the block
	// (log_index, transaction_index; "" for a block, which is alone in
	// its block); ok is false for other topics.
	ChainPosition func(topic string) (block, index string, ok bool)
	// SecondsTimestamp reports whether a topic's TIMESTAMP column counts
	// seconds, not milliseconds: a chain's block_timestamp, as
	// ethereum-etl writes it. Windows and output timestamps use it times
	// 1000.
	SecondsTimestamp func(topic string) bool
	// ReorgWindow is how many blocks below the newest block seen a
	// retraction of a chain topic's records can reach (the follower's
	// reorg window); 0 or nil: unbounded. Aggregates over a chain topic
	// drop what they keep for retracting records below that depth.
	ReorgWindow func(topic string) int64
}

// Counter is what Options.Errors needs of a metric (prometheus.Counter
// has it).
type Counter interface{ Inc() }

// ErrUnsupported is returned (wrapped) by Compile for a plan the engine
// cannot run yet; the message names the feature.
var ErrUnsupported = fmt.Errorf("not supported yet")

// Compile turns a persistent query's plan into the engine's queries: one,
// or two when the query groups by something other than its input's key
// (the first re-keys into a repartition topic, the second aggregates).
func Compile(id string, p *sql.QueryPlan, o Options) ([]Query, error) {
	if p.Sink == nil {
		return nil, fmt.Errorf("query %s: not a persistent query (no sink)", id)
	}
	if o.InternalPrefix == "" {
		o.InternalPrefix = "_chaintap."
	}
	if o.Retracting == nil {
		o.Retracting = func(string) bool { return false }
	}
	seconds := o.SecondsTimestamp != nil && p.From.TimestampColumn >= 0 && o.SecondsTimestamp(p.From.Source.Topic)
	if err := supported(p); err != nil {
		return nil, fmt.Errorf("query %s: %w", id, err)
	}
	errorsTopic := ErrorsTopic(id)
	sink := TopicSpec{Name: p.Sink.Topic, Partitions: int32(p.Sink.Partitions), Compacted: p.ResultKind == sql.Table}
	errs := TopicSpec{Name: errorsTopic}
	inputs := []string{p.From.Source.Topic}
	for _, j := range p.Joins {
		inputs = append(inputs, j.Right.Source.Topic)
	}
	join := newJoinSpec(p, o)
	retracting := retractable(p.From, o) || join != nil && join.retracting[1]
	block, index := chainColumns(p.From, o)
	fin := newFinality(p, o, retracting, join, block)
	front := &stageSpec{id: id, plan: p, errorsTopic: errorsTopic, retracting: retracting, errCount: o.Errors, seconds: seconds,
		chainBlock: block, chainIndex: index, join: join, finality: fin}
	front.final = newFinalSpec(p, retracting)
	if p.Aggregate == nil || len(p.Rekey) == 0 {
		front.mode = modeOf(p)
		return []Query{{ID: id, Inputs: inputs, Outputs: []TopicSpec{sink, errs}, NewProcessor: front.processor}}, nil
	}
	repartition := o.InternalPrefix + id + ".repartition"
	front.mode, front.repartition = modeRekey, repartition
	// The second stage remembers nothing per input: a retraction on the
	// repartition topic carries what it takes back (see rekey).
	back := &stageSpec{id: id, plan: p, errorsTopic: errorsTopic, errCount: o.Errors,
		mode: modeAggregate, fromRepartition: true, seconds: seconds, chainBlock: -1, chainIndex: -1, finality: fin}
	back.final = front.final // retractions reach it through the repartition topic
	return []Query{
		{ID: id + "-rekey", Inputs: inputs, Outputs: []TopicSpec{{Name: repartition, Repartition: true}, errs}, NewProcessor: front.processor},
		{ID: id, Inputs: []string{repartition}, Outputs: []TopicSpec{sink, errs}, NewProcessor: back.processor, PurgeInputs: true},
	}, nil
}

// chainColumns finds the scan row's chain-position columns, -1 when the
// source is not a chain topic.
func chainColumns(from *sql.Scan, o Options) (block, index int) {
	if o.ChainPosition == nil {
		return -1, -1
	}
	b, i, ok := o.ChainPosition(from.Source.Topic)
	if !ok {
		return -1, -1
	}
	bi := from.Source.Schema.Index(b)
	if bi < 0 {
		return -1, -1
	}
	if i == "" {
		return from.Offset + bi, -1
	}
	ii := from.Source.Schema.Index(i)
	if ii < 0 {
		return -1, -1
	}
	return from.Offset + bi, from.Offset + ii
}

// ErrorsTopic is where a query's bad records go, with the reason and
// where they came from.
func ErrorsTopic(id string) string { return id + ".errors" }

func modeOf(p *sql.QueryPlan) stageMode {
	if p.Aggregate != nil {
		return modeAggregate
	}
	return modeProject
}

// supported names what the engine cannot run yet.
func supported(p *sql.QueryPlan) error {
	if err := twoSidedSupported(p); err != nil {
		return err
	}
	for _, j := range p.Joins {
		if (j.LeftRekey || j.RightRekey) && !singlePartition(p.From.Source, j.Right.Source) {
			return fmt.Errorf("a join that needs a repartition (not on the stream's key) over topics of several partitions: %w", ErrUnsupported)
		}
	}
	if a := p.Aggregate; a != nil && a.Window != nil && a.Window.Kind == sql.WindowSession {
		return fmt.Errorf("SESSION windows: %w", ErrUnsupported)
	}
	return finalSupported(p)
}

// singlePartition reports whether every source has one partition: then
// every record meets every other in partition 0, and a join needs no
// repartition to be co-partitioned.
func singlePartition(srcs ...*sql.Source) bool {
	for _, s := range srcs {
		if s.Partitions != 1 {
			return false
		}
	}
	return true
}
