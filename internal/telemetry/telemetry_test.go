package telemetry_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/pgtest"
	"github.com/orderflow/orderflow/internal/telemetry"
	"github.com/orderflow/orderflow/projections"
)

func TestTracingIsOffWithoutAnEndpoint(t *testing.T) {
	tel, err := telemetry.Setup(context.Background(), "test", "")
	require.NoError(t, err)
	require.Empty(t, tel.TemporalInterceptors)
	require.NotNil(t, tel.TemporalMetrics)

	on, err := telemetry.Setup(context.Background(), "test", "127.0.0.1:4317")
	require.NoError(t, err)
	require.Len(t, on.TemporalInterceptors, 1)
	require.NoError(t, on.Shutdown(context.Background()))
}

// The lag gauges report events no projector has applied yet, and how old they are;
// the stopped gauge a projection stopped at an event it cannot apply.
func TestProjectorLagIsMeasured(t *testing.T) {
	schema := pgtest.NewSchema(t, eventstore.Migrations, projections.Migrations)
	store := eventstore.New(schema.Pool, eventstore.WithChannel(schema.Name))
	t.Cleanup(store.Close)
	data, _ := json.Marshal(map[string]string{"order_id": uuid.NewString()})
	for range 3 {
		_, err := store.Append(context.Background(), "order-"+uuid.NewString(), eventstore.NoStream(),
			eventstore.EventData{ID: uuid.New(), Type: "OrderCreated", SchemaVersion: 1, Data: data})
		require.NoError(t, err)
	}
	time.Sleep(20 * time.Millisecond)
	// A ticket event no build can read stops the kitchen's projection.
	_, err := store.Append(context.Background(), "ticket-"+uuid.NewString(), eventstore.NoStream(),
		eventstore.EventData{ID: uuid.New(), Type: "TicketCreated", SchemaVersion: 1, Data: []byte(`{"ticket_id": 7}`)})
	require.NoError(t, err)

	tel, err := telemetry.Setup(context.Background(), "test", "")
	require.NoError(t, err)
	m := telemetry.NewProjectorMetrics(tel.Registry)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	projector := projections.Projector{Store: store, OnBatch: m.OnBatch, OnError: m.OnError}
	go func() { _ = projector.Run(ctx, projections.KitchenTicketsProjection) }()
	require.Eventually(t, func() bool {
		st, err := projections.StatusOf(ctx, store, projections.KitchenTicketsProjection)
		return err == nil && st.Stopped != nil
	}, 10*time.Second, 10*time.Millisecond)

	done := make(chan struct{})
	go func() { m.Sample(ctx, store, time.Hour, slog.Default()); close(done) }()
	require.Eventually(t, func() bool {
		n, err := testutil.GatherAndCount(tel.Registry, "orderflow_projection_stopped")
		return err == nil && n == len(projections.Names())
	}, 5*time.Second, 10*time.Millisecond)
	cancel()
	<-done

	families, err := tel.Registry.Gather()
	require.NoError(t, err)
	lag := map[string]float64{}
	for _, f := range families {
		for _, metric := range f.GetMetric() {
			for _, l := range metric.GetLabel() {
				if l.GetName() == "projection" {
					lag[f.GetName()+"/"+l.GetValue()] = metric.GetGauge().GetValue() + metric.GetCounter().GetValue()
				}
			}
		}
	}
	require.Equal(t, 3.0, lag["orderflow_projection_lag_events/order_view"])
	require.Equal(t, 1.0, lag["orderflow_projection_lag_events/kitchen_tickets"])
	require.Greater(t, lag["orderflow_projection_lag_seconds/order_view"], 0.0)
	require.Equal(t, 0.0, lag["orderflow_projection_stopped/order_view"])
	require.Equal(t, 1.0, lag["orderflow_projection_stopped/kitchen_tickets"])
	require.Positive(t, lag["orderflow_projection_failures_total/kitchen_tickets"])
}

// With tracing on, every API request is a server span; with it off, the handler is
// served as it is.
func TestHTTPRequestsAreSpansWhenTracing(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.True(t, trace.SpanFromContext(r.Context()).SpanContext().IsValid(), "the handler runs inside a span")
		w.WriteHeader(http.StatusNoContent)
	})
	off, err := telemetry.Setup(context.Background(), "test", "")
	require.NoError(t, err)
	require.IsType(t, http.HandlerFunc(nil), off.HTTP(ok, "api"))

	on, err := telemetry.Setup(context.Background(), "test", "")
	require.NoError(t, err)
	spans := tracetest.NewInMemoryExporter()
	require.NoError(t, on.TraceTo(spans))
	rec := httptest.NewRecorder()
	on.HTTP(ok, "api").ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v1/orders", nil))
	require.Equal(t, http.StatusNoContent, rec.Code)
	require.NoError(t, on.Flush(context.Background()))
	require.Len(t, spans.GetSpans(), 1)
	require.Equal(t, trace.SpanKindServer, spans.GetSpans()[0].SpanKind)
}

// The relay's lag gauges report what behind measures; its counters what it published
// and how often a batch failed.
func TestRelayMetrics(t *testing.T) {
	tel, err := telemetry.Setup(context.Background(), "test", "")
	require.NoError(t, err)
	m := telemetry.NewRelayMetrics(tel.Registry)
	m.Published(7, 2)
	m.PublishFailed(nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		m.SampleLag(ctx, time.Hour, slog.Default(), func(context.Context) (int64, time.Duration, error) {
			return 12, 3 * time.Second, nil
		})
		close(done)
	}()
	require.Eventually(t, func() bool {
		families, err := tel.Registry.Gather()
		require.NoError(t, err)
		for _, f := range families {
			if f.GetName() == "orderflow_relay_lag_events" {
				return f.GetMetric()[0].GetGauge().GetValue() == 12
			}
		}
		return false
	}, 5*time.Second, 10*time.Millisecond)
	cancel()
	<-done
	values := map[string]float64{}
	families, err := tel.Registry.Gather()
	require.NoError(t, err)
	for _, f := range families {
		for _, metric := range f.GetMetric() {
			values[f.GetName()] = metric.GetCounter().GetValue() + metric.GetGauge().GetValue()
		}
	}
	require.Equal(t, 7.0, values["orderflow_relay_messages_published_total"])
	require.Equal(t, 2.0, values["orderflow_relay_messages_duplicate_total"])
	require.Equal(t, 1.0, values["orderflow_relay_publish_errors_total"])
	require.Equal(t, 3.0, values["orderflow_relay_lag_seconds"])
}
