package sqlshell

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
)

// printEntities prints /ksql's answer: each entity as the ksql CLI shows
// it, or as indented JSON.
func (s *Shell) printEntities(ents []json.RawMessage) error {
	for _, raw := range ents {
		if s.cfg.Format == JSON {
			var b bytes.Buffer
			if err := json.Indent(&b, raw, "", "  "); err != nil {
				return fmt.Errorf("an entity that is not JSON: %w", err)
			}
			b.WriteByte('\n')
			_, _ = s.cfg.Out.Write(b.Bytes())
			continue
		}
		if err := printEntity(s.cfg.Out, raw); err != nil {
			return err
		}
	}
	return nil
}

// entity holds the fields of every entity chaintap and ksqlDB answer
// that the shell draws; the others are printed as JSON.
type entity struct {
	Type               string              `json:"@type"`
	Streams            []sourceEntry       `json:"streams"`
	Tables             []sourceEntry       `json:"tables"`
	Queries            []queryEntry        `json:"queries"`
	Topics             []topicEntry        `json:"topics"`
	Properties         []propertyEntry     `json:"properties"`
	SourceDescription  *sourceDescription  `json:"sourceDescription"`
	SourceDescriptions []sourceDescription `json:"sourceDescriptions"`
	Warnings           []struct {
		Message string `json:"message"`
	} `json:"warnings"`
}

type sourceEntry struct {
	Name, Topic, KeyFormat, ValueFormat string
	IsWindowed                          bool
}

type queryEntry struct {
	ID              string         `json:"id"`
	QueryType       string         `json:"queryType"`
	State           string         `json:"state"`
	StatusCount     map[string]int `json:"statusCount"`
	Sinks           []string       `json:"sinks"`
	SinkKafkaTopics []string       `json:"sinkKafkaTopics"`
	QueryString     string         `json:"queryString"`
}

type topicEntry struct {
	Name        string `json:"name"`
	ReplicaInfo []int  `json:"replicaInfo"`
}

type propertyEntry struct {
	Name, Scope, Value string
}

type sourceDescription struct {
	Name, Type, KeyFormat, ValueFormat, Topic, Timestamp string
	WindowType                                           *string
	Partitions, Replication                              int
	Fields                                               []fieldEntry
	ReadQueries, WriteQueries                            []queryEntry
}

type fieldEntry struct {
	Name   string     `json:"name"`
	Schema schemaInfo `json:"schema"`
	Type   string     `json:"type"` // KEY for key columns
}

type schemaInfo struct {
	Type         string         `json:"type"`
	Fields       []fieldEntry   `json:"fields"`
	MemberSchema *schemaInfo    `json:"memberSchema"`
	Parameters   map[string]int `json:"parameters"`
}

func printEntity(w io.Writer, raw json.RawMessage) error {
	var e entity
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("an entity the shell cannot read: %w", err)
	}
	switch e.Type {
	case "streams":
		listSources(w, "Stream Name", e.Streams)
	case "tables":
		listSources(w, "Table Name", e.Tables)
	case "queries":
		listQueries(w, e.Queries)
	case "kafka_topics":
		listTopics(w, e.Topics)
	case "properties":
		rows := make([][]string, len(e.Properties))
		for i, p := range e.Properties {
			rows[i] = []string{p.Name, p.Scope, p.Value}
		}
		Listing(w, []string{"Property", "Scope", "Value"}, rows)
	case "sourceDescription":
		if e.SourceDescription != nil {
			describe(w, *e.SourceDescription)
		}
	case "source_descriptions":
		for i, d := range e.SourceDescriptions {
			if i > 0 {
				fmt.Fprintln(w)
			}
			describe(w, d)
		}
	default:
		var b bytes.Buffer
		_ = json.Indent(&b, raw, "", "  ")
		fmt.Fprintln(w, b.String())
	}
	for _, warn := range e.Warnings {
		fmt.Fprintln(w, "WARNING:", warn.Message)
	}
	return nil
}

func listSources(w io.Writer, title string, list []sourceEntry) {
	rows := make([][]string, len(list))
	for i, s := range list {
		rows[i] = []string{s.Name, s.Topic, s.KeyFormat, s.ValueFormat, strconv.FormatBool(s.IsWindowed)}
	}
	Listing(w, []string{title, "Kafka Topic", "Key Format", "Value Format", "Windowed"}, rows)
}

func listQueries(w io.Writer, list []queryEntry) {
	rows := make([][]string, len(list))
	for i, q := range list {
		rows[i] = []string{q.ID, q.QueryType, status(q), strings.Join(q.Sinks, ", "), strings.Join(q.SinkKafkaTopics, ", "),
			strings.Join(strings.Fields(q.QueryString), " ")}
	}
	Listing(w, []string{"Query ID", "Query Type", "Status", "Sink Name", "Sink Kafka Topic", "Query String"}, rows)
}

// status is ksqlDB's "RUNNING:1": each state with its count of servers.
func status(q queryEntry) string {
	if len(q.StatusCount) == 0 {
		return q.State
	}
	var parts []string
	for st, n := range q.StatusCount {
		parts = append(parts, st+":"+strconv.Itoa(n))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

func listTopics(w io.Writer, list []topicEntry) {
	rows := make([][]string, len(list))
	for i, t := range list {
		// One number, as the ksql CLI shows it: the partitions' replication.
		replicas := 0
		for _, r := range t.ReplicaInfo {
			replicas = max(replicas, r)
		}
		rows[i] = []string{t.Name, strconv.Itoa(len(t.ReplicaInfo)), strconv.Itoa(replicas)}
	}
	Listing(w, []string{"Kafka Topic", "Partitions", "Partition Replicas"}, rows)
}

// describe prints a source's description: what it is, its fields, and
// the persistent queries that read or write it.
func describe(w io.Writer, d sourceDescription) {
	kv := func(k, v string) { fmt.Fprintf(w, "%-20s : %s\n", k, v) }
	kv("Name", d.Name)
	kv("Type", d.Type)
	if d.Timestamp != "" {
		kv("Timestamp field", d.Timestamp)
	}
	kv("Key format", d.KeyFormat)
	kv("Value format", d.ValueFormat)
	topic := d.Topic
	if d.Partitions > 0 { // 0: the server does not know (a query's output not created yet)
		topic += fmt.Sprintf(" (partitions: %d, replication: %d)", d.Partitions, d.Replication)
	}
	kv("Kafka topic", topic)
	if d.WindowType != nil {
		kv("Window type", *d.WindowType)
	}
	fmt.Fprintln(w)
	rows := make([][]string, len(d.Fields))
	for i, f := range d.Fields {
		t := typeName(f.Schema)
		if f.Type == "KEY" {
			t += "  (key)"
		}
		rows[i] = []string{f.Name, t}
	}
	Listing(w, []string{"Field", "Type"}, rows)
	for _, qs := range []struct {
		title string
		list  []queryEntry
	}{{"Queries that read from this " + d.Type, d.ReadQueries}, {"Queries that write to this " + d.Type, d.WriteQueries}} {
		if len(qs.list) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s\n%s\n", qs.title, strings.Repeat("-", len(qs.title)))
		for _, q := range qs.list {
			fmt.Fprintf(w, "%s (%s) : %s\n", q.ID, status(q), strings.Join(strings.Fields(q.QueryString), " "))
		}
	}
}

// typeName writes a column's type in SQL: ARRAY<INT>, STRUCT<A INT>,
// DECIMAL(10, 2).
func typeName(s schemaInfo) string {
	switch s.Type {
	case "ARRAY":
		return "ARRAY<" + memberName(s) + ">"
	case "MAP":
		return "MAP<STRING, " + memberName(s) + ">"
	case "STRUCT":
		fields := make([]string, len(s.Fields))
		for i, f := range s.Fields {
			fields[i] = f.Name + " " + typeName(f.Schema)
		}
		return "STRUCT<" + strings.Join(fields, ", ") + ">"
	case "DECIMAL":
		return fmt.Sprintf("DECIMAL(%d, %d)", s.Parameters["precision"], s.Parameters["scale"])
	}
	return s.Type
}

func memberName(s schemaInfo) string {
	if s.MemberSchema == nil {
		return "?"
	}
	return typeName(*s.MemberSchema)
}
