package refdata

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"

	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/stream"
)

const stationsDDL = `CREATE TABLE stations (id STRING PRIMARY KEY, city STRING, power_kw DOUBLE, price DECIMAL(10, 4), fast BOOLEAN)
  WITH (KAFKA_TOPIC='stations', VALUE_FORMAT='JSON', PARTITIONS=1);`

func fixture(t *testing.T) (*Table, *kgo.Client, kafka.Config) {
	t.Helper()
	br, err := kafka.StartBroker(kafka.BrokerConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(br.Close)
	kcfg := kafka.Config{Brokers: []string{br.Addr()}}
	cl, err := kcfg.NewClient()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Close)
	if _, err := kadm.NewClient(cl).CreateTopic(context.Background(), 1, -1, nil, "stations"); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.New("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cat.Compile(stationsDDL, stream.Options{}); err != nil {
		t.Fatal(err)
	}
	tab, err := NewTable(cat.Source("STATIONS"))
	if err != nil {
		t.Fatal(err)
	}
	return tab, cl, kcfg
}

// topicRows folds the topic: key → value, tombstones deleting.
func topicRows(t *testing.T, kcfg kafka.Config) map[string]string {
	t.Helper()
	rows := map[string]string{}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := kafka.ReadTopic(ctx, kcfg, "stations", 0, func(r *kgo.Record) error {
		if r.Value == nil {
			delete(rows, string(r.Key))
		} else {
			rows[string(r.Key)] = string(r.Value)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestLoadCSVReportsBadRowsAndLoadsTheRest(t *testing.T) {
	tab, cl, kcfg := fixture(t)
	csv := "id,city,power_kw,price,fast\n" +
		"st-1,Berlin,150,0.4900,true\n" +
		"st-2,Paris,22,0.39,false\n" +
		"st-3,Oslo,fifty,0.3,true\n" + // line 4: not a number
		"st-4,Rome,50\n" + // line 5: too few cells
		"st-5,Lyon,,0.25,maybe\n" + // line 6: not a boolean
		"st-6,Turin,,,\n"
	rep, err := tab.LoadCSV(context.Background(), cl, strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Written != 3 || len(rep.Skipped) != 3 {
		t.Fatalf("written %d, skipped %v", rep.Written, rep.Skipped)
	}
	for i, line := range []int{4, 5, 6} {
		if rep.Skipped[i].Line != line || !strings.HasPrefix(rep.Skipped[i].Error(), "line ") {
			t.Errorf("skipped %d: %v, want line %d", i, rep.Skipped[i], line)
		}
	}
	rows := topicRows(t, kcfg)
	if rows["st-1"] != `{"CITY":"Berlin","POWER_KW":150.0,"PRICE":0.4900,"FAST":true}` ||
		rows["st-6"] != `{"CITY":"Turin","POWER_KW":null,"PRICE":null,"FAST":null}` || len(rows) != 3 {
		t.Errorf("topic: %v", rows)
	}
	if _, err := tab.LoadCSV(context.Background(), cl, strings.NewReader("id,town\nst-9,Bern\n")); err == nil ||
		!strings.Contains(err.Error(), `"town", which is not a column`) {
		t.Errorf("unknown header: %v", err)
	}
}

func TestLoadJSON(t *testing.T) {
	tab, cl, kcfg := fixture(t)
	rep, err := tab.LoadJSON(context.Background(), cl, []byte(`{"id":"a","city":"Graz","power_kw":11}
{"city":"nowhere"}
{"id":"b","price":"0.31"}`))
	if err != nil || rep.Written != 2 || len(rep.Skipped) != 1 || rep.Skipped[0].Line != 2 ||
		!strings.Contains(rep.Skipped[0].Error(), "key column ID is missing") {
		t.Fatalf("%+v %v", rep, err)
	}
	rep, err = tab.LoadJSON(context.Background(), cl, []byte(`[{"id":"c","fast":true},{"id":"d","power_kw":"x"}]`))
	if err != nil || rep.Written != 1 || len(rep.Skipped) != 1 || !strings.Contains(rep.Skipped[0].Error(), "row 2") {
		t.Fatalf("%+v %v", rep, err)
	}
	if rows := topicRows(t, kcfg); len(rows) != 3 || rows["b"] != `{"CITY":null,"POWER_KW":null,"PRICE":0.3100,"FAST":null}` {
		t.Errorf("topic: %v", rows)
	}
}

func TestHTTPPutAndDelete(t *testing.T) {
	tab, cl, kcfg := fixture(t)
	srv := httptest.NewServer(Handler(cl, tab))
	defer srv.Close()
	do := func(method, path, body string) int {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if s := do("PUT", "/api/ref/stations/st-7", `{"city":"Bonn","power_kw":350}`); s != 204 {
		t.Fatalf("PUT: %d", s)
	}
	if s := do("PUT", "/api/ref/Stations/st-8", `{"city":"Kiel"}`); s != 204 {
		t.Fatalf("PUT: %d", s)
	}
	if s := do("PUT", "/api/ref/stations/st-9", `{"power_kw":"lots"}`); s != 400 {
		t.Errorf("PUT of a bad row: %d, want 400", s)
	}
	if s := do("PUT", "/api/ref/pumps/p-1", `{}`); s != 404 {
		t.Errorf("PUT to an unknown table: %d, want 404", s)
	}
	if s := do("DELETE", "/api/ref/stations/st-8", ""); s != 204 {
		t.Fatalf("DELETE: %d", s)
	}
	rows := topicRows(t, kcfg)
	if len(rows) != 1 || rows["st-7"] != `{"CITY":"Bonn","POWER_KW":350.0,"PRICE":null,"FAST":null}` {
		t.Errorf("topic: %v", rows)
	}
}
