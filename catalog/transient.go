package catalog

import (
	"fmt"

	"github.com/chaintap/chaintap/sql"
	"github.com/chaintap/chaintap/stream"
)

// Plan analyzes one statement against the catalog without changing it.
func (c *Catalog) Plan(st sql.Statement) (sql.Plan, error) { return sql.Analyze(st, c) }

// Options fills in what the engine needs to know of the catalog's topics
// (retractions, chain positions, reorg windows) for compiling queries.
func (c *Catalog) Options(opts stream.Options) stream.Options {
	opts.Retracting = c.Retracting
	opts.SecondsTimestamp = c.SecondsTimestamp
	opts.ChainPosition = c.ChainPosition
	opts.ReorgWindow = c.ReorgWindow
	return opts
}

// CompileTransient compiles a push query's plan into stages that run in
// memory (stream.Local): its results go to the pseudo-topic it returns,
// which is never created in Kafka. The plan is copied, not changed.
func (c *Catalog) CompileTransient(id string, p *sql.QueryPlan, opts stream.Options) (stages []stream.Query, results string, err error) {
	if p.Kind != sql.PushQuery && p.Kind != sql.PullQuery {
		return nil, "", fmt.Errorf("query %s: not a transient query", id)
	}
	cp := *p
	key := sql.FormatJSON // any key shape decodes back; nothing else reads it
	if len(cp.Output.KeyColumns()) == 0 {
		key = sql.FormatNone
	}
	results = "_transient." + id
	cp.Sink = &sql.SinkSpec{Name: id, Topic: results, Partitions: 1, KeyFormat: key, ValueFormat: sql.FormatJSON, Kind: cp.ResultKind}
	opts.InternalPrefix = "_transient."
	stages, err = stream.Compile(id, &cp, c.Options(opts))
	return stages, results, err
}
