package ksqlapi

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/twmb/franz-go/pkg/kadm"

	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/sql"
)

// source is one entry of SHOW STREAMS / SHOW TABLES.
type source struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Topic       string `json:"topic"`
	KeyFormat   string `json:"keyFormat"`
	ValueFormat string `json:"valueFormat"`
	IsWindowed  bool   `json:"isWindowed"`
}

// runningQuery is one entry of SHOW QUERIES, and of a description's read
// and write queries.
type runningQuery struct {
	QueryString     string         `json:"queryString"`
	Sinks           []string       `json:"sinks"`
	SinkKafkaTopics []string       `json:"sinkKafkaTopics"`
	ID              string         `json:"id"`
	StatusCount     map[string]int `json:"statusCount"`
	QueryType       string         `json:"queryType"`
	State           string         `json:"state"`
}

func (s *Server) show(ctx context.Context, st *sql.Show, props properties) (any, error) {
	head := map[string]any{"statementText": st.Text(), "warnings": []any{}}
	switch st.What {
	case "STREAMS", "TABLES":
		kind := sql.Stream
		if st.What == "TABLES" {
			kind = sql.Table
		}
		list := []source{}
		for _, src := range s.sources(kind) {
			list = append(list, source{Type: src.Kind.String(), Name: src.Name, Topic: src.Topic, KeyFormat: src.KeyFormat,
				ValueFormat: src.ValueFormat, IsWindowed: src.Window != 0})
		}
		head["@type"], head[strings.ToLower(st.What)] = strings.ToLower(st.What), list
	case "QUERIES":
		list := []runningQuery{}
		for _, q := range s.cfg.Queries {
			list = append(list, persistent(q))
		}
		for _, id := range s.queries.Running() {
			list = append(list, runningQuery{ID: id, QueryType: "PUSH", State: "RUNNING", StatusCount: map[string]int{"RUNNING": 1},
				Sinks: []string{}, SinkKafkaTopics: []string{}})
		}
		head["@type"], head["queries"] = "queries", list
	case "TOPICS":
		topics, err := s.topics(ctx, st.All)
		if err != nil {
			return nil, err
		}
		head["@type"], head["topics"] = "kafka_topics", topics
	case "PROPERTIES":
		list := []map[string]string{}
		for _, name := range props.names() {
			list = append(list, map[string]string{"name": name, "scope": "KSQL", "value": props[name]})
		}
		head["@type"], head["properties"] = "properties", list
		head["overwrittenProperties"], head["defaultProperties"] = props.names(), []string{}
	default:
		return nil, clientError{fmt.Errorf("SHOW %s: %w yet", st.What, errUnsupported)}
	}
	return head, nil
}

// sources lists the catalog's streams or tables by name.
func (s *Server) sources(kind sql.SourceKind) []*sql.Source {
	var out []*sql.Source
	for _, name := range s.cfg.Catalog.SourceNames() {
		if src := s.cfg.Catalog.Source(name); src != nil && src.Kind == kind {
			out = append(out, src)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func persistent(q catalog.Query) runningQuery {
	rq := runningQuery{QueryString: q.Statement, ID: q.ID, StatusCount: map[string]int{"RUNNING": 1}, QueryType: "PERSISTENT",
		State: "RUNNING", Sinks: []string{}, SinkKafkaTopics: []string{}}
	if sk := q.Plan.Sink; sk != nil {
		rq.Sinks, rq.SinkKafkaTopics = []string{sk.Name}, []string{sk.Topic}
	}
	return rq
}

// topics lists Kafka's topics (internal ones only with ALL).
func (s *Server) topics(ctx context.Context, all bool) ([]map[string]any, error) {
	cl, err := s.cfg.Kafka.NewClient()
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	list := kadm.NewClient(cl).ListTopics
	if all {
		list = kadm.NewClient(cl).ListTopicsWithInternal
	}
	td, err := list(ctx)
	if err != nil {
		return nil, fmt.Errorf("listing topics: %w", err)
	}
	out := []map[string]any{}
	for _, t := range td.Sorted() {
		if !all && strings.HasPrefix(t.Topic, "_") {
			continue
		}
		replicas := []int{}
		for _, p := range t.Partitions.Sorted() {
			replicas = append(replicas, len(p.Replicas))
		}
		out = append(out, map[string]any{"name": t.Topic, "replicaInfo": replicas})
	}
	return out, nil
}
