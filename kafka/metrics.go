package kafka

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the publisher's Prometheus metrics (the chain is a label).
type Metrics struct {
	txns       *prometheus.CounterVec
	txnSeconds *prometheus.HistogramVec
	records    *prometheus.CounterVec
}

// NewMetrics registers the publisher metrics with reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		txns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_kafka_transactions_total", Help: "Kafka transactions by result.",
		}, []string{"chain", "result"}),
		txnSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "chaintap_kafka_transaction_seconds", Help: "Time to produce and commit one batch.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}, []string{"chain"}),
		records: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_kafka_records_total", Help: "Records committed (data, manifests), without cursors.",
		}, []string{"chain"}),
	}
	if reg != nil {
		reg.MustRegister(m.txns, m.txnSeconds, m.records)
	}
	return m
}
