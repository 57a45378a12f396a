package battery

import (
	"context"
	_ "embed"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// StationsCSV is the demo's charging stations (charging_stations.csv):
// what `chaintap up` loads into the charging_stations table.
//
//go:embed charging_stations.csv
var StationsCSV string

// The demo's off-chain topics, as demo.sql declares them.
const (
	StationsTopic      = "charging_stations"
	SessionsTopic      = "charging_sessions"
	EnrichedTopic      = "ENRICHED_TRANSACTIONS"
	NotificationsTopic = "BATTERY_NOTIFICATIONS"
)

// StationIDs lists the ids of the stations in StationsCSV.
func StationIDs() ([]string, error) {
	rows, err := csv.NewReader(strings.NewReader(StationsCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("charging_stations.csv: %w", err)
	}
	var ids []string
	for _, r := range rows[1:] {
		ids = append(ids, r[0])
	}
	return ids, nil
}

// Sessions writes charging sessions as an operator's system reports them
// (the seed demo's operator app): one every Every, of a random battery at
// a random station, keyed by the station as demo.sql declares the stream.
type Sessions struct {
	Batteries []string // lower-case hex addresses, as battery_status keys them
	Stations  []string
	Every     time.Duration
}

// Run writes sessions until ctx ends.
func (s Sessions) Run(ctx context.Context, cl *kgo.Client, rng *rand.Rand) error {
	if len(s.Batteries) == 0 || len(s.Stations) == 0 {
		return fmt.Errorf("charging sessions: no batteries or no stations")
	}
	t := time.NewTicker(s.Every)
	defer t.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := cl.ProduceSync(ctx, s.Session(rng, n)).FirstErr(); err != nil && ctx.Err() == nil {
			return fmt.Errorf("writing a charging session: %w", err)
		}
	}
}

// Session is the n-th session: its id, battery, energy and times.
func (s Sessions) Session(rng *rand.Rand, n int) *kgo.Record {
	end := time.Now()
	minutes := 10 + rng.IntN(50)
	kwh := float64(5+rng.IntN(60)) + float64(rng.IntN(10))/10
	// The id is unique across runs too: a restarted writer counts n from 0
	// again, and with seconds here two runs a second apart once wrote the
	// same id (TestUpLoopSurvivesKills saw it), which the write-back then
	// charged once for two sessions. Milliseconds and n never meet twice.
	id := fmt.Sprintf("sess-%d-%04d", end.UnixMilli(), n%10000)
	value := fmt.Sprintf(`{"SESSION_ID":%q,"BATTERY":%q,"KWH":%.1f,"STARTED_AT":%d,"ENDED_AT":%d}`,
		id, s.Batteries[rng.IntN(len(s.Batteries))], kwh, end.Add(-time.Duration(minutes)*time.Minute).UnixMilli(), end.UnixMilli())
	return &kgo.Record{Topic: SessionsTopic, Key: []byte(s.Stations[rng.IntN(len(s.Stations))]), Value: []byte(value)}
}
