package telemetry

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/projections"
)

// ProjectorMetrics are the projector's metrics: events applied, and how far each
// projection is behind the store, in events and in seconds.
type ProjectorMetrics struct {
	applied    *prometheus.CounterVec
	lagEvents  *prometheus.GaugeVec
	lagSeconds *prometheus.GaugeVec
}

// NewProjectorMetrics registers the projector's metrics on reg.
func NewProjectorMetrics(reg prometheus.Registerer) *ProjectorMetrics {
	m := &ProjectorMetrics{
		applied: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orderflow_projection_events_applied_total",
			Help: "Events a projection has applied."}, []string{"projection"}),
		lagEvents: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "orderflow_projection_lag_events",
			Help: "Committed events a projection has not applied yet."}, []string{"projection"}),
		lagSeconds: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "orderflow_projection_lag_seconds",
			Help: "Age of the oldest committed event a projection has not applied yet (0 when caught up)."}, []string{"projection"}),
	}
	reg.MustRegister(m.applied, m.lagEvents, m.lagSeconds)
	return m
}

// OnBatch counts a committed batch (projections.Projector.OnBatch).
func (m *ProjectorMetrics) OnBatch(projection string, handled int, _ eventstore.Checkpoint) {
	m.applied.WithLabelValues(projection).Add(float64(handled))
}

// SampleLag measures every projection's lag each interval until ctx ends.
func (m *ProjectorMetrics) SampleLag(ctx context.Context, pool *pgxpool.Pool, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for _, name := range projections.Names() {
			events, age, err := projections.Behind(ctx, pool, name)
			if err != nil {
				if ctx.Err() == nil {
					log.Warn("measuring projection lag", "projection", name, "err", err)
				}
				continue
			}
			m.lagEvents.WithLabelValues(name).Set(float64(events))
			m.lagSeconds.WithLabelValues(name).Set(age.Seconds())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
