package ksqlapi_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/internal/ksqltest"
)

func TestInfoAndHealthcheck(t *testing.T) {
	f := newFixture(t)
	for proto, c := range clients() {
		resp, err := c.Get(f.url + "/info")
		if err != nil {
			t.Fatal(err)
		}
		var info struct {
			KsqlServerInfo struct {
				Version, KafkaClusterID, KsqlServiceID, ServerStatus string
			}
		}
		err = json.NewDecoder(resp.Body).Decode(&info)
		resp.Body.Close()
		if err != nil || info.KsqlServerInfo.ServerStatus != "RUNNING" || info.KsqlServerInfo.Version != "test" || info.KsqlServerInfo.KafkaClusterID == "" {
			t.Errorf("%s /info: %+v, %v", proto, info, err)
		}
		resp, err = c.Get(f.url + "/healthcheck")
		if err != nil {
			t.Fatal(err)
		}
		var health struct {
			IsHealthy bool
			Details   map[string]struct{ IsHealthy bool }
		}
		err = json.NewDecoder(resp.Body).Decode(&health)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || !health.IsHealthy || !health.Details["kafka"].IsHealthy {
			t.Errorf("%s /healthcheck: %d %+v %v", proto, resp.StatusCode, health, err)
		}
	}
}

// TestKsqlStatements runs ksqlDB's documented /ksql requests and checks
// the answers' shapes.
func TestKsqlStatements(t *testing.T) {
	f := newFixture(t)
	c := clients()["HTTP/1.1"]
	status, _, body := post(t, c, f.url+"/ksql", `{"ksql": "SHOW STREAMS; SHOW TABLES; SHOW QUERIES; DESCRIBE readings;", "streamsProperties": {}}`)
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	var ents []map[string]any
	if err := json.Unmarshal(body, &ents); err != nil || len(ents) != 4 {
		t.Fatalf("%v: %s", err, body)
	}
	for i, want := range []string{"streams", "tables", "queries", "sourceDescription"} {
		if ents[i]["@type"] != want || ents[i]["statementText"] == nil {
			t.Errorf("entity %d: @type %v, want %s", i, ents[i]["@type"], want)
		}
	}
	if s := string(body); !strings.Contains(s, `"name":"READINGS","topic":"readings","keyFormat":"KAFKA","valueFormat":"JSON"`) ||
		!strings.Contains(s, `"name":"DEVCHAIN_EVENTS"`) || !strings.Contains(s, `"name":"TOTALS"`) ||
		!strings.Contains(s, `"id":"CTAS_TOTALS"`) || !strings.Contains(s, `"queryType":"PERSISTENT"`) {
		t.Errorf("listings miss a source or the query: %s", body)
	}
	desc := ents[3]["sourceDescription"].(map[string]any)
	fields := desc["fields"].([]any)
	if len(fields) != 3 || fields[0].(map[string]any)["type"] != "KEY" || fields[0].(map[string]any)["name"] != "ID" ||
		fields[1].(map[string]any)["schema"].(map[string]any)["type"] != "DOUBLE" {
		t.Errorf("DESCRIBE fields: %v", fields)
	}
	if desc["partitions"] != 2.0 {
		t.Errorf("DESCRIBE partitions: %v, want 2", desc["partitions"])
	}
	if rq := desc["readQueries"].([]any); len(rq) != 1 {
		t.Errorf("DESCRIBE readQueries: %v", rq)
	}
}

func TestKsqlErrors(t *testing.T) {
	f := newFixture(t)
	c := clients()["HTTP/1.1"]
	for _, tc := range []struct{ ksql, want string }{
		{"SHOW STREAMS;\nSELEC * FROM readings;", "line 2:1"},
		{"DESCRIBE redings;", "did you mean 'READINGS'"},
		{"CREATE STREAM s2 (a INT) WITH (KAFKA_TOPIC='s2', VALUE_FORMAT='JSON', PARTITIONS=1);", "not supported over the API"},
		{"INSERT INTO devchain_events (chain) VALUES ('x');", "written by the chain follower only"},
		{"SELECT * FROM totals;", "/query-stream"},
	} {
		body, _ := json.Marshal(map[string]any{"ksql": tc.ksql, "streamsProperties": map[string]any{}})
		status, _, out := post(t, c, f.url+"/ksql", string(body))
		var e struct {
			Type          string `json:"@type"`
			ErrorCode     int    `json:"error_code"`
			Message       string
			StatementText string
			Entities      []any
		}
		if err := json.Unmarshal(out, &e); err != nil {
			t.Fatalf("%q: %v: %s", tc.ksql, err, out)
		}
		if status != 400 || e.Type != "statement_error" || e.ErrorCode != 40001 || !strings.Contains(e.Message, tc.want) || e.Entities == nil {
			t.Errorf("%q: %d %+v; want 400, a statement_error naming %q", tc.ksql, status, e, tc.want)
		}
	}
}

// insertReadings streams rows into READINGS through /inserts-stream.
func insertReadings(t *testing.T, c *http.Client, url string, rows ...string) {
	t.Helper()
	status, _, out := post(t, c, url+"/inserts-stream", `{"target":"readings"}`+"\n"+strings.Join(rows, "\n")+"\n")
	acks := lines(t, out)
	if status != 200 || len(acks) != len(rows) {
		t.Fatalf("inserts-stream: %d: %s", status, out)
	}
	for i, a := range acks {
		var ack struct {
			Status string
			Seq    int
		}
		if err := json.Unmarshal(a, &ack); err != nil || ack.Status != "ok" || ack.Seq != i {
			t.Fatalf("ack %d: %s", i, a)
		}
	}
}

// TestQueries inserts rows, reads them back with a push query from the
// start, and asks the materialized table with a pull query, over both
// protocols and both answer formats.
func TestQueries(t *testing.T) {
	f := newFixture(t)
	for proto, c := range clients() {
		t.Run(proto, func(t *testing.T) {
			insertReadings(t, c, f.url, `{"id":"a","kwh":1.5,"station":"s1"}`, `{"id":"b","kwh":0.5,"station":"s1"}`,
				`{"id":"a","kwh":2.5,"station":"s2"}`)
			status, gotProto, out := post(t, c, f.url+"/query-stream",
				`{"sql":"SELECT id, kwh FROM readings WHERE kwh > 1 EMIT CHANGES LIMIT 2;","properties":{"auto.offset.reset":"earliest"}}`)
			want := proto
			if proto == "h2c" {
				want = "HTTP/2.0"
			}
			if gotProto != want {
				t.Errorf("answered over %s, want %s", gotProto, want)
			}
			ls := lines(t, out)
			if status != 200 || len(ls) != 3 || !strings.Contains(string(ls[0]), `"columnNames":["ID","KWH"],"columnTypes":["STRING","DOUBLE"]`) ||
				!strings.Contains(string(ls[0]), `"queryId":"transient_READINGS_`) {
				t.Fatalf("push: %d %s", status, out)
			}
			rows := map[string]bool{string(ls[1]): true, string(ls[2]): true}
			if !rows[`["a",1.5]`] || !rows[`["a",2.5]`] {
				t.Errorf("push rows: %s", out)
			}
			// The table counts both inserts of this subtest and the
			// earlier subtest's.
			var pull []json.RawMessage
			ingesttest.WaitFor(t, 20*time.Second, "the pull query to see the table's row", func() bool {
				status, _, out = post(t, c, f.url+"/query-stream", `{"sql":"SELECT id, n, kwh FROM totals WHERE id = 'b';"}`,
					"Accept", "application/json")
				if status != 200 {
					t.Fatalf("pull: %d %s", status, out)
				}
				if err := json.Unmarshal(out, &pull); err != nil {
					t.Fatalf("pull answer is not one JSON array: %v: %s", err, out)
				}
				return len(pull) == 2 && (string(pull[1]) == `["b",1,0.5]` || string(pull[1]) == `["b",2,1.0]`)
			})
		})
	}
}

// TestPushLive starts a push query at the end of the stream, inserts a
// row, sees it arrive, then closes the query by ID.
func TestPushLive(t *testing.T) {
	f := newFixture(t)
	c := clients()["HTTP/1.1"]
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "POST", f.url+"/query-stream", strings.NewReader(`{"sql":"SELECT * FROM readings EMIT CHANGES;"}`))
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	if !sc.Scan() {
		t.Fatalf("no header: %v", sc.Err())
	}
	var head struct{ QueryID string }
	if err := json.Unmarshal(sc.Bytes(), &head); err != nil || head.QueryID == "" {
		t.Fatalf("header %s: %v", sc.Bytes(), err)
	}
	sent := time.Now()
	insertReadings(t, c, f.url, `{"id":"z","kwh":7,"station":"s9"}`)
	if !sc.Scan() || sc.Text() != `["z",7.0,"s9"]` {
		t.Fatalf("row: %q %v", sc.Text(), sc.Err())
	}
	t.Logf("insert acknowledged → row pushed: %s", time.Since(sent))
	status, _, out := post(t, c, f.url+"/ksql", `{"ksql":"SHOW QUERIES;"}`)
	if status != 200 || !strings.Contains(string(out), head.QueryID) {
		t.Errorf("SHOW QUERIES does not list the push query: %s", out)
	}
	if status, _, out := post(t, c, f.url+"/close-query", `{"queryId":"`+head.QueryID+`"}`); status != 200 {
		t.Fatalf("close-query: %d %s", status, out)
	}
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) != "" {
			t.Errorf("a row after close: %s", sc.Text())
		}
	}
	if status, _, _ := post(t, c, f.url+"/close-query", `{"queryId":"`+head.QueryID+`"}`); status != 400 {
		t.Errorf("closing a closed query: %d, want 400", status)
	}
}

// TestQueryEndpoint is the older /query: a streamed JSON array with a
// header, rows and the final message at the LIMIT.
func TestQueryEndpoint(t *testing.T) {
	f := newFixture(t)
	c := clients()["HTTP/1.1"]
	insertReadings(t, c, f.url, `{"id":"a","kwh":1,"station":"s1"}`, `{"id":"b","kwh":2,"station":"s1"}`)
	status, _, out := post(t, c, f.url+"/query", `{"ksql":"SELECT * FROM readings EMIT CHANGES LIMIT 2;","streamsProperties":{"auto.offset.reset":"earliest"}}`)
	var got []map[string]any
	if err := json.Unmarshal(out, &got); err != nil || status != 200 || len(got) != 4 {
		t.Fatalf("%d %v: %s", status, err, out)
	}
	if h := got[0]["header"].(map[string]any); h["schema"] != "`ID` STRING, `KWH` DOUBLE, `STATION` STRING" {
		t.Errorf("header: %v", h)
	}
	if got[3]["finalMessage"] != "Limit Reached" || got[1]["row"] == nil {
		t.Errorf("rows: %s", out)
	}
}

// TestPushSnapshot asks a table for its current rows, then its changes.
func TestPushSnapshot(t *testing.T) {
	f := newFixture(t)
	c := clients()["h2c"]
	insertReadings(t, c, f.url, `{"id":"a","kwh":1,"station":"s1"}`, `{"id":"a","kwh":2,"station":"s1"}`, `{"id":"b","kwh":2,"station":"s1"}`)
	ingesttest.WaitFor(t, 20*time.Second, "the table", func() bool {
		_, _, out := post(t, c, f.url+"/query-stream", `{"sql":"SELECT * FROM totals WHERE id = 'a';"}`)
		return strings.Contains(string(out), `["a",2,3.0]`)
	})
	// A query's output takes its input's partitions: DESCRIBE asks Kafka.
	if _, _, out := post(t, c, f.url+"/ksql", `{"ksql":"DESCRIBE totals;"}`); !strings.Contains(string(out), `"partitions":2,`) {
		t.Errorf("DESCRIBE totals: %s", out)
	}
	status, _, out := post(t, c, f.url+"/query-stream",
		`{"sql":"SELECT * FROM totals EMIT CHANGES LIMIT 2;","properties":{"chaintap.push.mode":"snapshot"}}`)
	ls := lines(t, out)
	if status != 200 || len(ls) != 3 || string(ls[1]) != `["a",2,3.0]` || string(ls[2]) != `["b",1,2.0]` {
		t.Errorf("snapshot: %d %s", status, out)
	}
	// Without it, the changelog: every update of a.
	_, _, out = post(t, c, f.url+"/query-stream",
		`{"sql":"SELECT * FROM totals WHERE id = 'a' EMIT CHANGES LIMIT 2;","properties":{"auto.offset.reset":"earliest"}}`)
	if ls := lines(t, out); len(ls) != 3 || string(ls[1]) != `["a",1,1.0]` || string(ls[2]) != `["a",2,3.0]` {
		t.Errorf("changelog: %s", out)
	}
}

// TestPullWindowed asks a windowed table: each row carries its window as
// WINDOWSTART and WINDOWEND (the window's size apart), as in ksqlDB.
func TestPullWindowed(t *testing.T) {
	url := ksqltest.Start(t, ksqltest.Readings+`
CREATE TABLE per_hour AS SELECT id, COUNT(*) AS n FROM readings WINDOW TUMBLING (SIZE 1 HOUR) GROUP BY id EMIT CHANGES;`,
		map[string]int32{"readings": 2}).URL
	c := clients()["HTTP/1.1"]
	before := time.Now().UnixMilli()
	insertReadings(t, c, url, `{"id":"a","kwh":1.5,"station":"s1"}`)
	var pull []json.RawMessage
	ingesttest.WaitFor(t, 20*time.Second, "the windowed row", func() bool {
		status, _, out := post(t, c, url+"/query-stream", `{"sql":"SELECT id, WINDOWSTART, WINDOWEND, n FROM per_hour WHERE id = 'a';"}`,
			"Accept", "application/json")
		if status != 200 {
			t.Fatalf("pull: %d %s", status, out)
		}
		pull = nil
		if err := json.Unmarshal(out, &pull); err != nil {
			t.Fatalf("pull answer: %v: %s", err, out)
		}
		return len(pull) == 2
	})
	var row []any
	if err := json.Unmarshal(pull[1], &row); err != nil || len(row) != 4 {
		t.Fatalf("row %s: %v", pull[1], err)
	}
	start, _ := row[1].(float64)
	end, _ := row[2].(float64)
	hour := int64(time.Hour / time.Millisecond)
	if row[0] != "a" || row[3] != float64(1) || int64(start) != before/hour*hour && int64(start) != time.Now().UnixMilli()/hour*hour || int64(end-start) != hour {
		t.Fatalf("row %v: want [a, the hour's start, its end, 1]", row)
	}
}
