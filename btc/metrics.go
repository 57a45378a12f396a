package btc

import (
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Metrics are the Source's Prometheus metrics; one set serves every
// Bitcoin-family chain (the chain is a label).
type Metrics struct {
	requests *prometheus.CounterVec
	retries  *prometheus.CounterVec
	// prevouts counts the spent outputs inputs needed, by where they were
	// found: "block" (an earlier transaction of the same block), "cache",
	// or "node" (fetched with getrawtransaction).
	prevouts *prometheus.CounterVec
	// resolveSeconds is the time spent fetching spent outputs' transactions.
	resolveSeconds *prometheus.CounterVec
	// zmq counts ZMQ hashblock events: "hashblock" (a notification),
	// "garbled" (a message that is not one), "gap" (a jump in the
	// sequence numbers), "reconnect" (the subscription was lost).
	zmq *prometheus.CounterVec
}

// NewMetrics registers the source metrics with reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_btc_rpc_requests_total", Help: "JSON-RPC requests (a batch counts once) sent to Bitcoin-family nodes.",
		}, []string{"chain", "method"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_btc_rpc_retries_total", Help: "Bitcoin-family node calls retried, by reason.",
		}, []string{"chain", "reason"}),
		prevouts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_btc_spent_outputs_total", Help: "Spent outputs resolved for inputs, by where they were found (block, cache, node).",
		}, []string{"chain", "from"}),
		resolveSeconds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_btc_spent_output_fetch_seconds_total", Help: "Time spent fetching spent outputs' transactions from the node.",
		}, []string{"chain"}),
		zmq: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_btc_zmq_events_total", Help: "ZMQ hashblock subscription events: hashblock, garbled, gap, reconnect.",
		}, []string{"chain", "event"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.retries, m.prevouts, m.resolveSeconds, m.zmq)
	}
	return m
}

// Requests returns how many requests for method were sent for chain; a
// batch counts once, as "batch:<its first method>".
func (m *Metrics) Requests(chain, method string) float64 {
	return counterValue(m.requests.WithLabelValues(chain, method))
}

// Retries returns how many retries were made for reason on chain.
func (m *Metrics) Retries(chain, reason string) float64 {
	return counterValue(m.retries.WithLabelValues(chain, reason))
}

// SpentOutputs returns how many spent outputs were resolved from where
// ("block", "cache" or "node").
func (m *Metrics) SpentOutputs(chain, from string) float64 {
	return counterValue(m.prevouts.WithLabelValues(chain, from))
}

// ResolveSeconds returns the time spent fetching spent outputs.
func (m *Metrics) ResolveSeconds(chain string) float64 {
	return counterValue(m.resolveSeconds.WithLabelValues(chain))
}

// ZMQEvents returns how many ZMQ events of kind ("hashblock", "garbled",
// "gap", "reconnect") chain's subscription saw.
func (m *Metrics) ZMQEvents(chain, event string) float64 {
	return counterValue(m.zmq.WithLabelValues(chain, event))
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		return 0
	}
	return m.GetCounter().GetValue()
}
