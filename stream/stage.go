package stream

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/chaintap/chaintap/sql"
)

// stageMode is what a stage does with a row that passed its WHERE.
type stageMode uint8

const (
	modeProject   stageMode = iota + 1 // project and write to the sink
	modeAggregate                      // fold into groups, write the groups' rows
	modeRekey                          // write to the repartition topic, keyed by the group
)

// stageSpec is one stage of a compiled query; processor makes its task
// for one partition.
type stageSpec struct {
	id          string
	plan        *sql.QueryPlan
	mode        stageMode
	errorsTopic string
	repartition string // modeRekey: where to write
	// fromRepartition: the input is the first stage's repartition topic
	// (contributions in binary, retractions with op=retract).
	fromRepartition bool
	// retracting: inputs can be retracted (a head-view stream or a table),
	// so what each contributed is remembered.
	retracting bool
	errCount   Counter
	// seconds: the FROM source's TIMESTAMP column counts seconds.
	seconds bool
	// chainBlock, chainIndex: the FROM source's block-number and in-block
	// index columns (in the scan row) when it is a chain topic, -1
	// otherwise; chainIndex is -1 for blocks, alone in their block.
	chainBlock, chainIndex int
	// finality: which inputs can no longer be retracted.
	finality finality
	// join: the stage's stream–stream or table–table join, nil when none.
	join *joinSpec
	// final: the aggregation's EMIT FINAL settings, nil when it emits changes.
	final *finalSpec
}

// Store key spaces of a stage's task.
const (
	prefixEffect = 'e' // input identity → the row it contributed and its seq
	prefixGroup  = 'g' // group (and window start) → aggregate state
	prefixTable  = 't' // join index, table key → the table's current row
)

// HeaderPosition carries a derived record's input position (see
// task.position) on to the queries that read it, as a decimal number.
const HeaderPosition = "position"

// HeaderID names the input record a derived record came from; a
// retraction carries the same id as the record it retracts, so that it is
// found even when the key is not unique (PARTITION BY, GROUP BY).
const HeaderID = "id"

func (s *stageSpec) processor(partition int32) Processor {
	t := &task{spec: s, partition: partition}
	if !s.fromRepartition {
		t.dec = sql.NewRowDecoder(s.plan.From.Source.Schema)
		t.keyCols = s.plan.From.Source.KeyColumns()
		for _, j := range s.plan.Joins {
			t.tables = append(t.tables, sql.NewRowDecoder(j.Right.Source.Schema))
		}
	}
	return t
}

// task is one partition of a stage.
type task struct {
	spec      *stageSpec
	partition int32
	dec       *sql.RowDecoder   // the FROM source's values
	keyCols   []sql.Column      // the FROM source's key columns
	tables    []*sql.RowDecoder // each join's table's values
	buf       []byte            // scratch for encoding a state (copied before the store keeps it)
	accBuf    []byte            // scratch for one accumulator's state
	rowBuf    sql.Row           // scratch for values only encoded
	effects   finalEffects
}

// effect is what one input record contributed: its position (the seq
// aggregates order by) and what its row led to (out). That, not the row,
// is what is remembered for a later retraction: a few values instead of
// every column.
type effect struct {
	seq int64
	out *prepared
}

// Process implements Processor. It works out what the record replaces
// (old: what the same input contributed before, for a retraction or a
// table update) and what it contributes now (cur), checks that cur can be
// evaluated all the way to its outputs, and only then changes state and
// emits: a bad record changes nothing but the errors topic.
func (t *task) Process(ctx context.Context, r Record, st Store, emit func(Output)) error {
	p := t.spec.plan
	if t.spec.fromRepartition {
		return t.processRepartitioned(r, st, emit)
	}
	if t.spec.join != nil {
		return t.processJoin(r, st, emit)
	}
	if r.Topic != p.From.Source.Topic {
		return t.updateTable(r, st, emit)
	}
	id := t.identity(r)
	var old, cur *effect
	if t.spec.retracting {
		if err := t.loadEffects(st); err != nil {
			return err
		}
		var err error
		if old, err = t.loadEffect(st, id); err != nil {
			return err
		}
	}
	if r.Value != nil && string(r.Header(HeaderOp)) != OpRetract {
		var err error
		if cur, err = t.contribution(r, st); err != nil {
			return t.bad(r, err, emit)
		}
		if cur == nil && !t.spec.retracting {
			return nil
		}
	}
	if old == nil && cur == nil {
		return nil
	}
	if t.spec.retracting {
		if err := t.saveEffect(st, id, cur); err != nil {
			return err
		}
	}
	if err := t.apply(id, old, cur, st, emit); err != nil || cur == nil {
		return err
	}
	return t.remembered(st, id, cur.seq)
}

// processRepartitioned folds a record of the first stage's repartition
// topic into its groups. The first stage already worked out what its row
// contributes (the group, the arguments, the windows), so rows do not
// travel through the topic; and a retraction carries the contribution it
// takes back (Kafka Streams sends the old value through its repartition
// topics alike), so this stage remembers nothing per input record: one
// store read and write per group instead of three per record.
func (t *task) processRepartitioned(r Record, st Store, emit func(Output)) error {
	out, err := readPrepared(r.Value)
	if err != nil {
		return fmt.Errorf("query %s: repartition record %d: %w", t.spec.id, r.Offset, err)
	}
	e := &effect{seq: t.position(r, nil), out: out}
	if string(r.Header(HeaderOp)) == OpRetract {
		return t.apply(r.Header(HeaderID), e, nil, st, emit)
	}
	return t.apply(r.Header(HeaderID), nil, e, st, emit)
}

// contribution is what r contributes: its row (after joins, nil when
// WHERE drops it), its position, and what the row leads to.
func (t *task) contribution(r Record, st Store) (*effect, error) {
	row, err := t.inputRow(r, st)
	if err != nil || row == nil {
		return nil, err
	}
	out, err := t.prepare(row)
	if err != nil {
		return nil, err
	}
	return &effect{seq: t.position(r, row), out: out}, nil
}

// identity is what a retraction of r would name: the id header of a
// derived record, else the key (a chain record's key names it uniquely,
// and a table's key is its row's identity).
func (t *task) identity(r Record) []byte {
	if id := r.Header(HeaderID); id != nil {
		return id
	}
	return r.Key
}

// inputRow is r's row after joins and WHERE; nil when WHERE drops it.
func (t *task) inputRow(r Record, st Store) (sql.Row, error) {
	p := t.spec.plan
	value, err := t.dec.Decode(r.Value)
	if err != nil {
		return nil, err
	}
	var key sql.Row
	if kc := t.keyCols; len(kc) > 0 {
		if key, err = sql.DecodeKey(p.From.Source.KeyFormat, kc, r.Key); err != nil {
			return nil, err
		}
	}
	row := p.From.Assemble(key, value, sql.RecordMeta{Timestamp: r.Timestamp, Partition: r.Partition, Offset: r.Offset})
	if len(p.Joins) > 0 {
		if row, err = t.join(row, st); err != nil || row == nil {
			return nil, err
		}
	}
	if p.Where != nil {
		ok, err := p.Where.Eval(row)
		if err != nil {
			return nil, err
		}
		if ok != true {
			return nil, nil
		}
	}
	return row, nil
}

// apply writes the consequences of replacing the input's old
// contribution with its current one (either may be absent).
func (t *task) apply(id []byte, old, cur *effect, st Store, emit func(Output)) error {
	switch t.spec.mode {
	case modeRekey:
		t.rekey(id, old, cur, emit)
		return nil
	case modeAggregate:
		if t.spec.final != nil {
			return t.aggregateFinal(id, old, cur, st, emit)
		}
		return t.aggregate(old, cur, st, emit)
	default:
		t.project(id, old, cur, emit)
		return nil
	}
}

func (t *task) loadEffect(st Store, id []byte) (*effect, error) {
	v, ok, err := st.Get(t.key(prefixEffect, id))
	if err != nil || !ok {
		return nil, err
	}
	seq, n := binary.Varint(v)
	if n <= 0 {
		return nil, fmt.Errorf("query %s: corrupt state for input %q", t.spec.id, id)
	}
	out, err := readPrepared(v[n:])
	if err != nil {
		return nil, fmt.Errorf("query %s: state for input %q: %w", t.spec.id, id, err)
	}
	return &effect{seq: seq, out: out}, nil
}

func (t *task) saveEffect(st Store, id []byte, e *effect) error {
	k := t.key(prefixEffect, id)
	if e == nil {
		return st.Delete(k)
	}
	v := e.out.appendBinary(binary.AppendVarint(t.buf[:0], e.seq))
	t.buf = v
	return st.Set(k, bytes.Clone(v)) // once, at its size: the store may keep it
}

// key builds a store key: a one-byte space, then the parts.
func (t *task) key(space byte, parts ...[]byte) []byte {
	n := 1
	for _, p := range parts {
		n += len(p)
	}
	k := append(make([]byte, 0, n), space)
	for _, p := range parts {
		k = append(k, p...)
	}
	return k
}

// bad routes a record that cannot be processed to the errors topic, with
// the reason and where it came from, and goes on.
func (t *task) bad(r Record, cause error, emit func(Output)) error {
	var evalErr *sql.EvalError
	var decErr *sql.DecodeError
	var keyErr *sql.KeyError
	if !errors.As(cause, &evalErr) && !errors.As(cause, &decErr) && !errors.As(cause, &keyErr) {
		return fmt.Errorf("query %s partition %d offset %d: %w", t.spec.id, r.Partition, r.Offset, cause)
	}
	if t.spec.errCount != nil {
		t.spec.errCount.Inc()
	}
	emit(Output{Topic: t.spec.errorsTopic, Key: r.Key, Value: errorRecord(t.spec.id, r, cause), Timestamp: r.Timestamp})
	return nil
}
