package catalog

import (
	"errors"
	"fmt"
	"maps"
	"strings"

	"github.com/chaintap/chaintap/sql"
	"github.com/chaintap/chaintap/stream"
)

// Query is a persistent query of a statement file, compiled.
type Query struct {
	// ID is stable across restarts (it names consumer groups and state):
	// CSAS_<SINK> or CTAS_<SINK> as ksqlDB names them, without its
	// counter, or INSERTQUERY_<SINK>_<n> for the n-th INSERT INTO it.
	ID        string
	Plan      *sql.QueryPlan
	Stages    []stream.Query
	Statement string
}

// Program is a statement file compiled against the catalog: the sources
// it declares and the persistent queries to run, in order.
type Program struct {
	Queries []Query
}

// Compile parses, analyzes and compiles a statement file, all or nothing:
// on any error nothing of the file is applied, and the error names the
// statement and its line:column. On success the sources the file creates
// are in the catalog. SET 'auto.offset.reset' applies to the queries
// after it (ksqlDB's default, latest, before).
func (c *Catalog) Compile(src string, opts stream.Options) (*Program, error) {
	sts, err := sql.Parse(src)
	if err != nil {
		return nil, err
	}
	work := c.clone()
	prog := &Program{}
	fromBeginning := false
	inserts := map[string]int{}
	for i, st := range sts {
		p, err := sql.Analyze(st, work)
		if err != nil {
			return nil, inStatement(err, i, len(sts), st)
		}
		switch p := p.(type) {
		case *sql.CreateSourcePlan:
			work.Add(p.Source)
		case *sql.CommandPlan:
			if set, ok := st.(*sql.SetProperty); ok && strings.EqualFold(set.Name, "auto.offset.reset") {
				fromBeginning = strings.EqualFold(set.Value, "earliest")
			}
		case *sql.QueryPlan:
			if p.Sink == nil {
				return nil, fmt.Errorf("statement %d (%s): a transient query runs over the API, not from a file", i+1, head(st))
			}
			q, err := work.compileQuery(p, st, opts, fromBeginning, inserts)
			if err != nil {
				return nil, fmt.Errorf("statement %d (%s): %w", i+1, head(st), err)
			}
			prog.Queries = append(prog.Queries, q)
		default:
			return nil, fmt.Errorf("statement %d (%s): not supported in a statement file", i+1, head(st))
		}
	}
	*c = *work
	return prog, nil
}

func (c *Catalog) compileQuery(p *sql.QueryPlan, st sql.Statement, opts stream.Options, fromBeginning bool, inserts map[string]int) (Query, error) {
	id := "CSAS_" + p.Sink.Name
	if p.ResultKind == sql.Table {
		id = "CTAS_" + p.Sink.Name
	}
	if !p.Sink.Create {
		inserts[p.Sink.Name]++
		id = fmt.Sprintf("INSERTQUERY_%s_%d", p.Sink.Name, inserts[p.Sink.Name])
	}
	if p.Sink.Create {
		c.Add(p.Sink.Source, retractionsFrom(p)...)
	}
	stages, err := stream.Compile(id, p, c.Options(opts))
	if err != nil {
		return Query{}, err
	}
	for i := range stages {
		stages[i].FromBeginning = fromBeginning
	}
	return Query{ID: id, Plan: p, Stages: stages, Statement: st.Text()}, nil
}

// retractionsFrom lists the inputs whose retractions reach the query's
// output: the FROM source, and the right side of a join whose rows follow
// both sides (table–table, stream–stream). A stream–table join looks the
// table up when a stream record comes and emits nothing when the table
// changes, so a retracted table row changes none of its output: marking
// the output retracting would make its readers treat records that merely
// share a key (two sessions of one battery) as one record and its
// replacement.
func retractionsFrom(p *sql.QueryPlan) []string {
	inputs := []string{p.From.Source.Topic}
	for _, j := range p.Joins {
		if p.From.Source.Kind == sql.Stream && j.Right.Source.Kind == sql.Table {
			continue
		}
		inputs = append(inputs, j.Right.Source.Topic)
	}
	return inputs
}

// clone copies the catalog, so that a file that fails leaves it as it was.
func (c *Catalog) clone() *Catalog {
	return &Catalog{
		sources:    maps.Clone(c.sources),
		retracting: maps.Clone(c.retracting),
		chain:      maps.Clone(c.chain),
		window:     maps.Clone(c.window),
	}
}

// inStatement names the statement of a file in an analysis error.
func inStatement(err error, i, n int, st sql.Statement) error {
	var e *sql.Error
	if errors.As(err, &e) && n > 1 {
		e.Statement, e.StatementHead = i+1, head(st)
		return e
	}
	return err
}

// head is a statement's first words, for messages.
func head(st sql.Statement) string {
	f := strings.Fields(st.Text())
	if len(f) > 4 {
		f = f[:4]
	}
	return strings.Join(f, " ") + " …"
}
