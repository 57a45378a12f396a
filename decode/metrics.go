package decode

import "github.com/prometheus/client_golang/prometheus"

// Metrics count decoded and undecoded logs per chain and contract (the
// configured contract's name, a standard's name, or "unknown": addresses
// would make the label unbounded).
type Metrics struct {
	decoded   *prometheus.CounterVec
	undecoded *prometheus.CounterVec
}

// NewMetrics registers the decoder metrics with reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		decoded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_decoded_logs_total", Help: "Logs decoded into events.",
		}, []string{"chain", "contract"}),
		undecoded: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_undecoded_logs_total", Help: "Logs left raw, by reason: unknown_contract, unknown_event, wrong_topic_count, bad_data.",
		}, []string{"chain", "contract", "reason"}),
	}
	if reg != nil {
		reg.MustRegister(m.decoded, m.undecoded)
	}
	return m
}

// Undecoded returns the counter of logs of contract on chain left raw for reason.
func (m *Metrics) Undecoded(chain, contract, reason string) prometheus.Counter {
	return m.undecoded.WithLabelValues(chain, contract, reason)
}
