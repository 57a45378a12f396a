package follow

import (
	"fmt"
	"math/bits"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// Metrics are the follower's Prometheus metrics (the chain is a label).
type Metrics struct {
	head       *prometheus.GaugeVec
	confirmed  *prometheus.GaugeVec
	memory     *prometheus.GaugeVec
	blocks     *prometheus.CounterVec
	reorgs     *prometheus.CounterVec
	reorgDepth *prometheus.HistogramVec
	confReorgs *prometheus.CounterVec
	restarts   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
}

// NewMetrics registers the follower metrics with reg (nil: unregistered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		head: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "chaintap_follower_head", Help: "Number of the newest block published to the head view.",
		}, []string{"chain"}),
		memory: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "chaintap_follower_memory_bytes", Help: "Bytes of blocks the follower holds after its last commit (fetched ahead, in the batch, unconfirmed), counted against memory_budget.",
		}, []string{"chain"}),
		confirmed: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "chaintap_follower_confirmed", Help: "Number of the newest block published to the confirmed view.",
		}, []string{"chain"}),
		blocks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_follower_blocks_total", Help: "Blocks published, by view and op.",
		}, []string{"chain", "view", "op"}),
		reorgs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_reorgs_total", Help: "Reorgs handled, by depth (blocks orphaned: 1, 2-3, 4-7, …, 128+).",
		}, []string{"chain", "depth_bucket"}),
		confReorgs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "chaintap_confirmed_reorgs_total", Help: "Reorgs that orphaned blocks already published to the confirmed view.",
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
		reg.MustRegister(m.head, m.confirmed, m.memory, m.blocks, m.reorgs, m.reorgDepth, m.confReorgs, m.restarts, m.latency)
	}
	return m
}

// reorg counts a reorg of depth blocks on chain.
func (m *Metrics) reorg(chain string, depth int, confirmedHit bool) {
	m.reorgs.WithLabelValues(chain, depthBucket(depth)).Inc()
	m.reorgDepth.WithLabelValues(chain).Observe(float64(depth))
	if confirmedHit {
		m.confReorgs.WithLabelValues(chain).Inc()
	}
}

// depthBucket is the depth_bucket label: powers of two ("1", "2-3", "4-7",
// …, "128+"), so the label set stays small whatever the depth.
func depthBucket(depth int) string {
	switch b := bits.Len(uint(max(depth, 1))); {
	case b == 1:
		return "1"
	case b >= 8:
		return "128+"
	default:
		return fmt.Sprintf("%d-%d", 1<<(b-1), 1<<b-1)
	}
}

// Reorgs returns the number of reorgs handled on chain, of any depth.
func (m *Metrics) Reorgs(chain string) float64 {
	var d dto.Metric
	if h, ok := m.reorgDepth.WithLabelValues(chain).(prometheus.Metric); ok && h.Write(&d) == nil {
		return float64(d.GetHistogram().GetSampleCount())
	}
	return 0
}

// ConfirmedReorgs returns the counter of reorgs on chain that orphaned
// confirmed blocks.
func (m *Metrics) ConfirmedReorgs(chain string) prometheus.Counter {
	return m.confReorgs.WithLabelValues(chain)
}

// Restarts returns the counter of resumptions from the cursor on chain.
func (m *Metrics) Restarts(chain string) prometheus.Counter { return m.restarts.WithLabelValues(chain) }
