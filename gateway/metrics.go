package gateway

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the gateway's Prometheus metrics.
type Metrics struct {
	accepted    prometheus.Counter
	rejected    prometheus.Counter
	refusals    *prometheus.CounterVec
	sent        prometheus.Counter
	resubmitted *prometheus.CounterVec
	mined       *prometheus.CounterVec
}

// NewMetrics registers the metrics with reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		accepted: prometheus.NewCounter(prometheus.CounterOpts{Name: "chaintap_gateway_requests_accepted_total",
			Help: "Requests accepted (a nonce assigned and persisted)."}),
		rejected: prometheus.NewCounter(prometheus.CounterOpts{Name: "chaintap_gateway_requests_rejected_total",
			Help: "Requests from Kafka refused before acceptance (bad input, a revert at estimation)."}),
		refusals: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "chaintap_gateway_http_refusals_total",
			Help: "REST requests refused by authorization, by reason (missing_token, bad_token, sender, contract)."}, []string{"reason"}),
		sent: prometheus.NewCounter(prometheus.CounterOpts{Name: "chaintap_gateway_transactions_sent_total",
			Help: "Signed transactions sent to the node (resends included)."}),
		resubmitted: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "chaintap_gateway_resubmissions_total",
			Help: "Transactions sent again, by why (dropped, fee_bump, reorg, filler)."}, []string{"why"}),
		mined: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "chaintap_gateway_mined_total",
			Help: "Requests mined, by outcome (succeeded, reverted)."}, []string{"outcome"}),
	}
	if reg != nil {
		reg.MustRegister(m.accepted, m.rejected, m.refusals, m.sent, m.resubmitted, m.mined)
	}
	return m
}

// registerSenderGauges exposes each sender's queue and in-flight count,
// read under mu at scrape time.
func registerSenderGauges(reg prometheus.Registerer, mu *sync.Mutex, senders map[string]*sender, inFlight func(*sender) int) {
	if reg == nil {
		return
	}
	for name, snd := range senders {
		labels := prometheus.Labels{"sender": name}
		reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "chaintap_gateway_queued_requests", ConstLabels: labels,
				Help: "Requests accepted and not yet signed, per sender (beyond max_queued: 429)."},
				func() float64 { mu.Lock(); defer mu.Unlock(); return float64(snd.queued) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "chaintap_gateway_in_flight_transactions", ConstLabels: labels,
				Help: "Transactions signed or sent and not yet mined, per sender (at most max_in_flight)."},
				func() float64 { mu.Lock(); defer mu.Unlock(); return float64(inFlight(snd)) }),
		)
	}
}
