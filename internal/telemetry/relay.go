package telemetry

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// RelayMetrics are the NATS relay's metrics (relay.Metrics): messages published and
// dropped as duplicates, failed batches, and how far the relay is behind the store.
type RelayMetrics struct {
	published     prometheus.Counter
	duplicates    prometheus.Counter
	publishErrors prometheus.Counter
	lagEvents     prometheus.Gauge
	lagSeconds    prometheus.Gauge
}

// NewRelayMetrics registers the relay's metrics on reg.
func NewRelayMetrics(reg prometheus.Registerer) *RelayMetrics {
	m := &RelayMetrics{
		published: prometheus.NewCounter(prometheus.CounterOpts{Name: "orderflow_relay_messages_published_total",
			Help: "Messages the relay published and JetStream acknowledged (duplicates included)."}),
		duplicates: prometheus.NewCounter(prometheus.CounterOpts{Name: "orderflow_relay_messages_duplicate_total",
			Help: "Messages published again (after a crash or a failed batch) that JetStream dropped as duplicates."}),
		publishErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "orderflow_relay_publish_errors_total",
			Help: "Batches the relay failed to publish (each is retried with backoff)."}),
		lagEvents: prometheus.NewGauge(prometheus.GaugeOpts{Name: "orderflow_relay_lag_events",
			Help: "Committed public events the relay has not published yet."}),
		lagSeconds: prometheus.NewGauge(prometheus.GaugeOpts{Name: "orderflow_relay_lag_seconds",
			Help: "Age of the oldest committed public event the relay has not published yet (0 when caught up)."}),
	}
	reg.MustRegister(m.published, m.duplicates, m.publishErrors, m.lagEvents, m.lagSeconds)
	return m
}

// Published counts a batch's acknowledged messages.
func (m *RelayMetrics) Published(messages, duplicates int) {
	m.published.Add(float64(messages))
	m.duplicates.Add(float64(duplicates))
}

// PublishFailed counts a failed batch.
func (m *RelayMetrics) PublishFailed(error) { m.publishErrors.Inc() }

// SampleLag measures the relay's lag with behind (relay.Behind) each interval until
// ctx ends.
func (m *RelayMetrics) SampleLag(ctx context.Context, interval time.Duration, log *slog.Logger,
	behind func(context.Context) (int64, time.Duration, error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if events, age, err := behind(ctx); err != nil {
			if ctx.Err() == nil {
				log.Warn("measuring relay lag", "err", err)
			}
		} else {
			m.lagEvents.Set(float64(events))
			m.lagSeconds.Set(age.Seconds())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// NotifierMetrics are the example notifier's metrics (notifier.Metrics): messages by
// outcome, and the messages its consumer has not handled yet.
type NotifierMetrics struct {
	handled *prometheus.CounterVec
	pending prometheus.Gauge
}

// NewNotifierMetrics registers the notifier's metrics on reg.
func NewNotifierMetrics(reg prometheus.Registerer) *NotifierMetrics {
	m := &NotifierMetrics{
		handled: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orderflow_notifier_messages_total",
			Help: "Messages the notifier handled, by outcome (notified, no_notification, duplicate, ignored, unsupported, malformed, failed)."},
			[]string{"outcome"}),
		pending: prometheus.NewGauge(prometheus.GaugeOpts{Name: "orderflow_notifier_pending_messages",
			Help: "Messages in the stream the notifier's consumer has not acknowledged yet."}),
	}
	reg.MustRegister(m.handled, m.pending)
	return m
}

// Handled counts a message by outcome.
func (m *NotifierMetrics) Handled(outcome string) { m.handled.WithLabelValues(outcome).Inc() }

// SamplePending measures the consumer's pending messages with pending each interval
// until ctx ends.
func (m *NotifierMetrics) SamplePending(ctx context.Context, interval time.Duration, pending func(context.Context) (uint64, error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := pending(ctx); err == nil {
			m.pending.Set(float64(n))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
