package ksqlapi

import (
	"context"
	"fmt"
	"slices"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/chaintap/chaintap/sql"
)

// schemaInfo is ksqlDB's description of a column type.
type schemaInfo struct {
	Type         string         `json:"type"`
	Fields       []field        `json:"fields"`
	MemberSchema *schemaInfo    `json:"memberSchema"`
	Parameters   map[string]int `json:"parameters,omitempty"`
}

type field struct {
	Name   string     `json:"name"`
	Schema schemaInfo `json:"schema"`
	Type   string     `json:"type,omitempty"` // KEY for key columns
}

func describeType(t *sql.Type) schemaInfo {
	si := schemaInfo{Type: kindName(t)}
	switch t.Kind {
	case sql.KindDecimal:
		si.Parameters = map[string]int{"precision": t.Precision, "scale": t.Scale}
	case sql.KindArray, sql.KindMap:
		m := describeType(t.Elem)
		si.MemberSchema = &m
	case sql.KindStruct:
		si.Fields = []field{}
		for _, f := range t.Fields {
			si.Fields = append(si.Fields, field{Name: f.Name, Schema: describeType(f.Type)})
		}
	}
	return si
}

// kindName is the base type's name as ksqlDB's SqlBaseType spells it.
func kindName(t *sql.Type) string {
	switch t.Kind {
	case sql.KindArray:
		return "ARRAY"
	case sql.KindMap:
		return "MAP"
	case sql.KindStruct:
		return "STRUCT"
	case sql.KindDecimal:
		return "DECIMAL"
	}
	return t.String()
}

func (s *Server) describe(ctx context.Context, st *sql.Describe) (any, error) {
	if st.Function {
		return nil, clientError{fmt.Errorf("DESCRIBE FUNCTION: %w yet", errUnsupported)}
	}
	if st.Sources != "" {
		kind := sql.Stream
		if st.Sources == "TABLES" {
			kind = sql.Table
		}
		list := []any{}
		for _, src := range s.sources(kind) {
			list = append(list, s.description(ctx, src, st.Extended))
		}
		return map[string]any{"@type": "source_descriptions", "statementText": st.Text(), "sourceDescriptions": list, "warnings": []any{}}, nil
	}
	src := s.cfg.Catalog.Source(st.Name.Name)
	if src == nil {
		_, err := sql.Analyze(&sql.QueryStatement{Query: &sql.Query{From: sql.Relation{Name: st.Name}, Limit: -1}}, s.cfg.Catalog)
		if err == nil {
			err = fmt.Errorf("unknown stream or table '%s'", st.Name.Name)
		}
		return nil, clientError{err}
	}
	return map[string]any{"@type": "sourceDescription", "statementText": st.Text(), "sourceDescription": s.description(ctx, src, st.Extended),
		"warnings": []any{}}, nil
}

// description is ksqlDB's SourceDescription of src.
func (s *Server) description(ctx context.Context, src *sql.Source, extended bool) map[string]any {
	fields := []field{}
	for _, c := range src.Schema.Columns {
		f := field{Name: c.Name, Schema: describeType(c.Type)}
		if c.Key {
			f.Type = "KEY"
		}
		fields = append(fields, f)
	}
	reads, writes := []runningQuery{}, []runningQuery{}
	for _, q := range s.cfg.Queries {
		if q.Plan.Sink != nil && q.Plan.Sink.Name == src.Name {
			writes = append(writes, persistent(q))
		}
		if q.Plan.From.Source.Name == src.Name || slices.ContainsFunc(q.Plan.Joins, func(j *sql.JoinStep) bool { return j.Right.Source.Name == src.Name }) {
			reads = append(reads, persistent(q))
		}
	}
	var window any
	if src.Window != 0 {
		window = src.Window.String()
	}
	return map[string]any{
		"name": src.Name, "windowType": window, "readQueries": reads, "writeQueries": writes, "fields": fields,
		"type": src.Kind.String(), "timestamp": src.Timestamp, "statistics": "", "errorStats": "", "extended": extended,
		"keyFormat": src.KeyFormat, "valueFormat": src.ValueFormat, "topic": src.Topic, "partitions": s.partitions(ctx, src),
		"replication": 1, "statement": "", "queryOffsetSummaries": []any{}, "sourceConstraints": []any{},
		"clusterStatistics": []any{}, "clusterErrorStats": []any{},
	}
}

// partitions is src's partition count: as declared, else as its topic has
// (the chains' streams and the queries' outputs take their inputs'); 0
// when the topic does not exist yet.
func (s *Server) partitions(ctx context.Context, src *sql.Source) int {
	if src.Partitions > 0 {
		return src.Partitions
	}
	cl, err := s.cfg.Kafka.NewClient()
	if err != nil {
		return 0
	}
	defer cl.Close()
	tds, err := kadm.NewClient(cl).ListTopics(ctx, src.Topic)
	if err != nil {
		return 0
	}
	return len(tds[src.Topic].Partitions)
}
