package sql

import "strings"

func (a *analyzer) transient(s *QueryStatement) (Plan, error) {
	kind := PushQuery
	if s.Query.Emit == EmitNone {
		kind = PullQuery
	}
	p, err := a.query(s.Query, queryCtx{kind: kind})
	if err != nil {
		return nil, err
	}
	p.Statement = s.Text()
	return p, nil
}

func (a *analyzer) createAs(s *CreateAs) (Plan, error) {
	existing := a.cat.Source(s.Name.Name)
	if existing != nil && !s.OrReplace && !s.IfNotExists {
		return nil, errorf(s.Name.At, s.Name.Name, "cannot create %s '%s': a %s with that name already exists",
			strings.ToLower(kindWord(s.Table)), s.Name.Name, strings.ToLower(existing.Kind.String()))
	}
	if err := checkProps(s.Props); err != nil {
		return nil, err
	}
	p, err := a.query(s.Query, queryCtx{kind: PersistentQuery, sinkName: s.Name.Name})
	if err != nil {
		return nil, err
	}
	p.Statement = s.Text()
	want := Stream
	if s.Table {
		want = Table
	}
	if p.ResultKind != want {
		return nil, errorf(s.Query.At, "SELECT", "invalid result type: the SELECT produces a %s; use CREATE %s AS SELECT", p.ResultKind, p.ResultKind)
	}
	sink, err := a.sink(s.Name, s.Props, p)
	if err != nil {
		return nil, err
	}
	sink.Create, sink.OrReplace, sink.IfNotExists = true, s.OrReplace, s.IfNotExists
	p.Sink = sink
	return p, nil
}

// sink builds the output's catalog entry from WITH properties, inheriting
// formats from the FROM source.
func (a *analyzer) sink(name Name, props Properties, p *QueryPlan) (*SinkSpec, error) {
	from := p.From.Source
	key, value, err := formats(props, from.KeyFormat, from.ValueFormat)
	if err != nil {
		return nil, err
	}
	keys := p.Output.KeyColumns()
	if len(keys) == 0 {
		key = FormatNone
	} else if key == FormatNone {
		key = FormatKafka
	}
	if key == FormatKafka && len(keys) > 1 {
		if _, explicit := props.Get("KEY_FORMAT"); !explicit {
			key = FormatJSON // several key columns need a structured key format
		}
	}
	if err := checkKeyFormat(key, keys, props, name); err != nil {
		return nil, err
	}
	topic, _, ok, err := propString(props, "KAFKA_TOPIC")
	if err != nil {
		return nil, err
	}
	if !ok {
		topic = name.Name
	}
	parts, err := propInt(props, "PARTITIONS")
	if err != nil {
		return nil, err
	}
	spec := &SinkSpec{Name: name.Name, Topic: topic, Partitions: parts, KeyFormat: key, ValueFormat: value, Kind: p.ResultKind}
	if ag := p.Aggregate; ag != nil && ag.Window != nil {
		spec.Window, spec.WindowSize = ag.Window.Kind, ag.Window.Size
	}
	spec.Source = &Source{Name: name.Name, Kind: p.ResultKind, Topic: topic, Partitions: parts, KeyFormat: key,
		ValueFormat: value, Schema: p.Output, Window: spec.Window, WindowSize: spec.WindowSize,
		Materialized: p.ResultKind == Table}
	return spec, nil
}

func (a *analyzer) insertInto(s *InsertInto) (Plan, error) {
	target, err := a.lookup(s.Name)
	if err != nil {
		return nil, err
	}
	if target.Kind != Stream {
		return nil, errorf(s.Name.At, s.Name.Name, "INSERT INTO can only write to a stream: %s is a TABLE", target.Name)
	}
	p, err := a.query(s.Query, queryCtx{kind: PersistentQuery, sinkName: s.Name.Name})
	if err != nil {
		return nil, err
	}
	p.Statement = s.Text()
	if p.ResultKind != Stream {
		return nil, errorf(s.Query.At, "SELECT", "INSERT INTO %s needs a query that produces a STREAM, this one produces a TABLE", target.Name)
	}
	if err := compatibleSchemas(s, p.Output, target); err != nil {
		return nil, err
	}
	p.Sink = &SinkSpec{Name: target.Name, Topic: target.Topic, Partitions: target.Partitions, KeyFormat: target.KeyFormat,
		ValueFormat: target.ValueFormat, Kind: Stream, Source: target}
	return p, nil
}

// compatibleSchemas checks that a query's output can be written to target:
// the same columns, in order, with the same types and key flags.
func compatibleSchemas(s *InsertInto, out *Schema, target *Source) error {
	tc := target.Schema.Columns
	describe := func(c Column) string {
		k := ""
		if c.Key {
			k = " KEY"
		}
		return c.Name + " " + c.Type.String() + k
	}
	for i := 0; i < max(len(tc), len(out.Columns)); i++ {
		switch {
		case i >= len(out.Columns):
			return errorf(s.Query.At, "SELECT", "incompatible schema for INSERT INTO %s: the query has no column for %s", target.Name, describe(tc[i]))
		case i >= len(tc):
			return errorf(s.Query.At, "SELECT", "incompatible schema for INSERT INTO %s: the query's column %s is not in %s", target.Name, describe(out.Columns[i]), target.Name)
		}
		a, b := out.Columns[i], tc[i]
		if a.Name != b.Name || !a.Type.Equal(b.Type) || a.Key != b.Key {
			return errorf(s.Query.At, "SELECT", "incompatible schema for INSERT INTO %s: the query's column %d is '%s' but %s has '%s'", target.Name, i+1, describe(a), target.Name, describe(b))
		}
	}
	return nil
}
