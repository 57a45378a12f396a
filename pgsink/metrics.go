package pgsink

import "github.com/prometheus/client_golang/prometheus"

type metrics struct {
	rows    *prometheus.CounterVec // by op: upsert, delete
	batches prometheus.Histogram   // seconds per applied batch
	retries prometheus.Counter
}

func newMetrics(reg prometheus.Registerer, name string) (*metrics, error) {
	l := prometheus.Labels{"sink": name}
	m := &metrics{
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "chaintap_pgsink_rows_total",
			Help: "Rows applied to the PostgreSQL table (after last-write-wins within a batch), by op.", ConstLabels: l}, []string{"op"}),
		batches: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "chaintap_pgsink_batch_seconds",
			Help: "Time to apply one batch in PostgreSQL (COPY, DELETE, INSERT, offsets, commit).", ConstLabels: l,
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
		retries: prometheus.NewCounter(prometheus.CounterOpts{Name: "chaintap_pgsink_retries_total",
			Help: "Sessions restarted after PostgreSQL or Kafka failed.", ConstLabels: l}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.rows, m.batches, m.retries} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
