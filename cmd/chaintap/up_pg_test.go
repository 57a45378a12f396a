package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chaintap/chaintap/battery"
	"github.com/chaintap/chaintap/internal/ingesttest"
	"github.com/chaintap/chaintap/internal/pgtest"
)

// TestUpStationsFromPostgres runs the demo with its charging stations in
// a real PostgreSQL (--stations-dsn): the enriched sessions carry the
// stations' rows from PostgreSQL, and an UPDATE there reaches the sessions
// enriched after it, through logical replication and the SQL join.
func TestUpStationsFromPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("runs chaintap up and PostgreSQL")
	}
	pg := pgtest.Start(t)
	pg.Exec(`CREATE TABLE charging_stations (id text PRIMARY KEY, operator text, city text, country text,
		power_kw double precision, price_per_kwh numeric(10, 4))`)
	rows, err := csv.NewReader(strings.NewReader(battery.StationsCSV)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows[1:] {
		pg.Exec(fmt.Sprintf(`INSERT INTO charging_stations VALUES ('%s', '%s', '%s (pg)', '%s', %s, %s)`, r[0], r[1], r[2], r[3], r[4], r[5]))
	}
	u := newUpRun(t)
	u.extra = []string{"--stations-dsn", pg.DSN()}
	u.start()
	city := func() string {
		resp, err := http.Post("http://"+u.apiAddr+"/query-stream", "application/json",
			strings.NewReader(`{"sql":"SELECT city FROM enriched_transactions EMIT CHANGES LIMIT 1;"}`))
		if err != nil {
			return ""
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		lines := strings.Split(strings.TrimSpace(string(out)), "\n")
		return lines[len(lines)-1]
	}
	ingesttest.WaitFor(t, 90*time.Second, "a session enriched with a station from PostgreSQL", func() bool {
		return strings.HasSuffix(city(), `(pg)"]`)
	})
	pg.Exec(`UPDATE charging_stations SET city = replace(city, '(pg)', '(pg, updated)')`)
	ingesttest.WaitFor(t, 60*time.Second, "a session enriched with the updated station", func() bool {
		return strings.HasSuffix(city(), `(pg, updated)"]`)
	})
}
