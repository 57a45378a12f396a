package engine

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the engine's Prometheus metrics; every one has the query as
// a label, so one registry serves every query of an instance.
type metrics struct {
	records        *prometheus.CounterVec
	txns           *prometheus.CounterVec
	restoreRecords *prometheus.CounterVec
	restoreSeconds *prometheus.HistogramVec
	tasks          *prometheus.GaugeVec
	lag            *prometheus.GaugeVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_engine_records_total",
			Help: "Input records processed in committed transactions.",
		}, []string{"query"}),
		txns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_engine_transactions_total",
			Help: "Transactions by result (committed, aborted).",
		}, []string{"query", "result"}),
		restoreRecords: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_engine_restore_records_total",
			Help: "Changelog records applied to task stores while restoring.",
		}, []string{"query"}),
		restoreSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "chaintap_engine_restore_seconds",
			Help:    "Time to restore one task's store from its changelog.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 10),
		}, []string{"query"}),
		tasks: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "chaintap_engine_partitions_assigned",
			Help: "Input partitions (tasks) this instance owns.",
		}, []string{"query"}),
		lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "chaintap_engine_lag_records",
			Help: "Committed input offsets not yet processed, per partition, as of the last fetch; transaction markers take offsets too, so a caught-up partition of a transactional topic reads 1.",
		}, []string{"query", "partition"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.records, m.txns, m.restoreRecords, m.restoreSeconds, m.tasks, m.lag} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("registering engine metrics (one registry per engine): %w", err)
		}
	}
	return m, nil
}
