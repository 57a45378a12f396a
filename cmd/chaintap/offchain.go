package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
	"golang.org/x/sync/errgroup"

	"github.com/chaintap/chaintap/battery"
	"github.com/chaintap/chaintap/catalog"
	"github.com/chaintap/chaintap/kafka"
	"github.com/chaintap/chaintap/pgsource"
	"github.com/chaintap/chaintap/refdata"
)

// offChain is the demo's off-chain half: the charging stations loaded
// from the repository's CSV, and the charging sessions an operator's
// system would report, which demo.sql joins with the batteries' on-chain
// state.
type offChain struct {
	cl       *kgo.Client
	stations *refdata.Table
	sessions battery.Sessions
	// fromPG, when set, streams the stations from PostgreSQL instead.
	fromPG *pgsource.Source
}

// newOffChain creates the off-chain topics and loads the stations: from
// the repository's CSV, or, with stationsDSN, from that PostgreSQL's
// table public.charging_stations by logical replication (the seed's
// Kafka Connect source). It returns nil when the statements do not
// declare the demo's stations table.
func newOffChain(ctx context.Context, kcfg kafka.Config, cat *catalog.Catalog, batteries []common.Address, stationsDSN string, every time.Duration, log *slog.Logger, out io.Writer) (*offChain, error) {
	src := cat.Source("CHARGING_STATIONS")
	if src == nil {
		return nil, nil
	}
	tab, err := refdata.NewTable(src)
	if err != nil {
		return nil, err
	}
	cl, err := kcfg.NewClient()
	if err != nil {
		return nil, err
	}
	if err := createOffChainTopics(ctx, kadm.NewClient(cl)); err != nil {
		cl.Close()
		return nil, err
	}
	o := &offChain{cl: cl, stations: tab}
	if stationsDSN != "" {
		o.fromPG, err = pgsource.New(pgsource.Config{Name: "demo_stations", DSN: stationsDSN, Kafka: kcfg, Log: log,
			Tables: []pgsource.Table{{Schema: "public", Name: "charging_stations", Topic: battery.StationsTopic}}})
		if err != nil {
			cl.Close()
			return nil, err
		}
		fmt.Fprintf(out, "  charging stations: streamed from PostgreSQL's public.charging_stations into %s\n", battery.StationsTopic)
	} else if err := loadStations(ctx, cl, tab, out); err != nil {
		cl.Close()
		return nil, err
	}
	ids, err := battery.StationIDs()
	if err != nil {
		cl.Close()
		return nil, err
	}
	var bs []string
	for _, b := range batteries {
		bs = append(bs, strings.ToLower(b.Hex()))
	}
	fmt.Fprintf(out, "  charging sessions: written to %s\n", battery.SessionsTopic)
	o.sessions = battery.Sessions{Batteries: bs, Stations: ids, Every: every}
	return o, nil
}

// loadStations writes the repository's stations CSV to the table.
func loadStations(ctx context.Context, cl *kgo.Client, tab *refdata.Table, out io.Writer) error {
	rep, err := tab.LoadCSV(ctx, cl, strings.NewReader(battery.StationsCSV))
	if err != nil {
		return err
	}
	for _, bad := range rep.Skipped {
		fmt.Fprintf(out, "  charging_stations.csv: skipped %v\n", bad)
	}
	fmt.Fprintf(out, "  charging stations: %d loaded into %s from battery/charging_stations.csv\n", rep.Written, battery.StationsTopic)
	return nil
}

// createOffChainTopics creates the demo's off-chain topics as demo.sql
// declares them: one partition each, the stations compacted.
func createOffChainTopics(ctx context.Context, adm *kadm.Client) error {
	compact := "compact"
	for topic, cfg := range map[string]map[string]*string{
		battery.StationsTopic: {"cleanup.policy": &compact},
		battery.SessionsTopic: nil,
	} {
		resp, err := adm.CreateTopic(ctx, 1, -1, cfg, topic)
		if err == nil {
			err = resp.Err
		}
		if err != nil && !errors.Is(err, kerr.TopicAlreadyExists) {
			return fmt.Errorf("creating %s: %w", topic, err)
		}
	}
	return nil
}

// refHandler serves PUT/DELETE /api/ref/charging_stations/<id>.
func (o *offChain) refHandler() http.Handler { return refdata.Handler(o.cl, o.stations) }

// run writes charging sessions (and streams the stations from
// PostgreSQL, when configured) until ctx ends.
func (o *offChain) run(ctx context.Context, g *errgroup.Group, log *slog.Logger) {
	if o.fromPG != nil {
		g.Go(func() error {
			err := o.fromPG.Run(ctx)
			if err != nil && ctx.Err() == nil {
				return fmt.Errorf("charging stations from PostgreSQL: %w", err)
			}
			return nil
		})
	}
	g.Go(func() error {
		err := o.sessions.Run(ctx, o.cl, rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7)))
		if err != nil {
			log.Warn("charging sessions stopped", "err", err)
		}
		return nil // the demo goes on without them
	})
}

func (o *offChain) close() { o.cl.Close() }
