package follow

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the follower's Prometheus metrics (the chain is a label).
type Metrics struct {
	head       *prometheus.GaugeVec
	confirmed  *prometheus.GaugeVec
	blocks     *prometheus.CounterVec
	reorgs     *prometheus.CounterVec
	reorgDepth *prometheus.HistogramVec
	restarts   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
}

// NewMetrics registers the follower metrics with reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		head: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "chaintap_follower_head", Help: "Number of the newest block published to the head view.",
		}, []string{"chain"}),
		confirmed: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "chaintap_follower_confirmed", Help: "Number of the newest block published to the confirmed view.",
		}, []string{"chain"}),
		blocks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_follower_blocks_total", Help: "Blocks published, by view and op.",
		}, []string{"chain", "view", "op"}),
		reorgs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_reorgs_total", Help: "Reorgs handled.",
		}, []string{"chain"}),
		reorgDepth: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "chaintap_reorg_depth", Help: "Blocks orphaned per reorg.",
			Buckets: []float64{1, 2, 3, 5, 8, 13, 21, 34, 64, 128},
		}, []string{"chain"}),
		restarts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_follower_restarts_total", Help: "Times the follower resumed from its cursor after an error.",
		}, []string{"chain"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "chaintap_head_latency_seconds", Help: "Live blocks: from the head announcement to the committed transaction.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 16),
		}, []string{"chain"}),
	}
	if reg != nil {
		reg.MustRegister(m.head, m.confirmed, m.blocks, m.reorgs, m.reorgDepth, m.restarts, m.latency)
	}
	return m
}

// Reorgs returns the counter of reorgs handled on chain.
func (m *Metrics) Reorgs(chain string) prometheus.Counter { return m.reorgs.WithLabelValues(chain) }

// Restarts returns the counter of resumptions from the cursor on chain.
func (m *Metrics) Restarts(chain string) prometheus.Counter { return m.restarts.WithLabelValues(chain) }
