package telemetry

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/projections"
)

// ProjectorMetrics are the projector's metrics: events applied, failed attempts, how
// far each projection is behind the store (in events and in seconds), and whether it is
// stopped at an event it cannot apply.
type ProjectorMetrics struct {
	applied    *prometheus.CounterVec
	failures   *prometheus.CounterVec
	lagEvents  *prometheus.GaugeVec
	lagSeconds *prometheus.GaugeVec
	stopped    *prometheus.GaugeVec
}

// NewProjectorMetrics registers the projector's metrics on reg.
func NewProjectorMetrics(reg prometheus.Registerer) *ProjectorMetrics {
	m := &ProjectorMetrics{
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orderflow_projection_events_applied_total",
			Help: "Events a projection has applied."}, []string{"projection"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orderflow_projection_failures_total",
			Help: "Failed attempts of a projection at a batch (an event it cannot apply, or the database)."}, []string{"projection"}),
		lagEvents: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "orderflow_projection_lag_events",
			Help: "Committed events a projection has not applied yet."}, []string{"projection"}),
		lagSeconds: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "orderflow_projection_lag_seconds",
			Help: "Age of the oldest committed event a projection has not applied yet (0 when caught up)."}, []string{"projection"}),
		stopped: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "orderflow_projection_stopped",
			Help: "1 while a projection is stopped at a failure (`orderflow projections status` says where and why), else 0."}, []string{"projection"}),
	}
	reg.MustRegister(m.applied, m.failures, m.lagEvents, m.lagSeconds, m.stopped)
	return m
}

// OnBatch counts a committed batch (projections.Projector.OnBatch).
func (m *ProjectorMetrics) OnBatch(projection string, handled int, _ eventstore.Checkpoint) {
	m.applied.WithLabelValues(projection).Add(float64(handled))
}

// OnError counts a failed attempt (projections.Projector.OnError).
func (m *ProjectorMetrics) OnError(projection string, _ error) {
	m.failures.WithLabelValues(projection).Inc()
}

// Sample reads every projection's status (projections.Statuses: shared by every
// projector, so any one of them reports it) each interval until ctx ends.
func (m *ProjectorMetrics) Sample(ctx context.Context, store *eventstore.Store, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		statuses, err := projections.Statuses(ctx, store)
		if err != nil && ctx.Err() == nil {
			log.Warn("reading the projections' status", "err", err)
		}
		for _, st := range statuses {
			m.lagEvents.WithLabelValues(st.Name).Set(float64(st.Lag))
			m.lagSeconds.WithLabelValues(st.Name).Set(st.LagSeconds)
			stopped := 0.0
			if st.Stopped != nil {
				stopped = 1
			}
			m.stopped.WithLabelValues(st.Name).Set(stopped)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
