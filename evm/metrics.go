package evm

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Metrics are the Source's Prometheus metrics; one set serves every chain
// (the chain is a label).
type Metrics struct {
	requests *prometheus.CounterVec
	retries  *prometheus.CounterVec
}

// NewMetrics registers the source metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_rpc_requests_total", Help: "JSON-RPC requests (a batch counts once) sent to the node.",
		}, []string{"chain", "method"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_rpc_retries_total", Help: "Node calls retried, by reason.",
		}, []string{"chain", "reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.retries)
	}
	return m
}

// Retries returns how many retries were made for reason on chain (for tests
// and status pages).
func (m *Metrics) Retries(chain, reason string) float64 {
	return counterValue(m.retries.WithLabelValues(chain, reason))
}

// Requests returns how many requests for method were sent for chain; a
// batch counts once, as "batch:<its first method>" (for tests and status
// pages).
func (m *Metrics) Requests(chain, method string) float64 {
	return counterValue(m.requests.WithLabelValues(chain, method))
}

// RetriesTotal returns all retries made for chain.
func (m *Metrics) RetriesTotal(chain string) float64 {
	var total float64
	for _, r := range []string{"not_found", "inconsistent", "malformed", "http_429", "http_5xx", "rpc_error", "rate_limited", "network", "other"} {
		total += m.Retries(chain, r)
	}
	return total
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return 0
	}
	return m.GetCounter().GetValue()
}
