package pgsource

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics of one source, registered on the caller's registry.
type metrics struct {
	rows      *prometheus.CounterVec // by table, op
	lagBytes  prometheus.Gauge
	lagSecs   prometheus.Gauge
	retries   prometheus.Counter
	truncates prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, name string) (*metrics, error) {
	l := prometheus.Labels{"source": name}
	m := &metrics{
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "chaintap_pgsource_rows_published_total",
			Help: "Rows published to Kafka (committed), by table and op (upsert, delete).", ConstLabels: l}, []string{"table", "op"}),
		lagBytes: prometheus.NewGauge(prometheus.GaugeOpts{Name: "chaintap_pgsource_lag_bytes",
			Help: "WAL bytes between the server's WAL end and the position published to Kafka.", ConstLabels: l}),
		lagSecs: prometheus.NewGauge(prometheus.GaugeOpts{Name: "chaintap_pgsource_lag_seconds",
			Help: "Seconds from the last published transaction's commit in PostgreSQL to its Kafka commit.", ConstLabels: l}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{Name: "chaintap_pgsource_retries_total",
			Help: "Sessions restarted after PostgreSQL or Kafka failed.", ConstLabels: l}),
		truncates: prometheus.NewCounter(prometheus.CounterOpts{Name: "chaintap_pgsource_truncates_ignored_total",
			Help: "TRUNCATEs seen in the WAL: not published (no keys to tombstone).", ConstLabels: l}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.rows, m.lagBytes, m.lagSecs, m.retries, m.truncates} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
