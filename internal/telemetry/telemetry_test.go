package telemetry_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"

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

// The lag gauges report events no projector has applied yet, and how old they are.
func TestProjectorLagIsMeasured(t *testing.T) {
	schema := pgtest.NewSchema(t, eventstore.Migrate, projections.Migrate)
	store := eventstore.New(schema.Pool, eventstore.WithChannel(schema.Name))
	t.Cleanup(store.Close)
	data, _ := json.Marshal(map[string]string{"order_id": uuid.NewString()})
	for range 3 {
		_, err := store.Append(context.Background(), "order-"+uuid.NewString(), eventstore.NoStream(),
			eventstore.EventData{ID: uuid.New(), Type: "OrderCreated", SchemaVersion: 1, Data: data})
		require.NoError(t, err)
	}
	time.Sleep(20 * time.Millisecond)

	tel, err := telemetry.Setup(context.Background(), "test", "")
	require.NoError(t, err)
	m := telemetry.NewProjectorMetrics(tel.Registry)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.SampleLag(ctx, schema.Pool, time.Hour, slog.Default()); close(done) }()
	require.Eventually(t, func() bool {
		n, err := testutil.GatherAndCount(tel.Registry, "orderflow_projection_lag_events")
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
					lag[f.GetName()+"/"+l.GetValue()] = metric.GetGauge().GetValue()
				}
			}
		}
	}
	require.Equal(t, 3.0, lag["orderflow_projection_lag_events/order_view"])
	require.Equal(t, 0.0, lag["orderflow_projection_lag_events/kitchen_tickets"])
	require.Greater(t, lag["orderflow_projection_lag_seconds/order_view"], 0.0)
}
