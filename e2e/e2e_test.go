package e2e_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/apiclient"
	"github.com/orderflow/orderflow/internal/demo"
	"github.com/orderflow/orderflow/internal/pgtest"
	"github.com/orderflow/orderflow/internal/stack"
	"github.com/orderflow/orderflow/internal/telemetry"
	"github.com/orderflow/orderflow/internal/temporaltest"
	"github.com/orderflow/orderflow/projections"
	"github.com/orderflow/orderflow/workflows"
)

var server *temporaltest.Server

func TestMain(m *testing.M) {
	s, stop, err := temporaltest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "the end-to-end tests need a Temporal dev server:", err)
		os.Exit(1)
	}
	server = s
	code := m.Run()
	stop()
	os.Exit(code)
}

// Every path of the sagas through the HTTP API, on the stack as `orderflow dev` runs
// it: each order's read model, its audit trail, its workflow in Temporal, and its
// public events on NATS with the notifier's notifications.
func TestEveryPathThroughTheAPI(t *testing.T) {
	schema := pgtest.NewSchema(t, stack.Migrations()...)
	// Telemetry as a process sets it up, with spans kept in memory to look at.
	tel, err := telemetry.Setup(context.Background(), "orderflow-e2e", "")
	require.NoError(t, err)
	spans := tracetest.NewInMemoryExporter()
	// The demo polls: keep every span rather than drop what the default queue cannot hold.
	require.NoError(t, tel.TraceTo(spans, sdktrace.WithMaxQueueSize(1<<18)))
	temporal, err := client.Dial(client.Options{HostPort: server.Address,
		Interceptors: tel.TemporalInterceptors, MetricsHandler: tel.TemporalMetrics})
	require.NoError(t, err)
	t.Cleanup(temporal.Close)
	tokens := api.Tokens{Secret: []byte("end-to-end-test-secret-of-32-bytes!!"), Issuer: "orderflow"}
	s := stack.New(schema.Pool, temporal, tokens, slog.Default(), schema.Name)
	t.Cleanup(s.Close)

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { require.NoError(t, s.RunWorkers(ctx)) })
	wg.Go(func() { require.NoError(t, s.RunProjector(ctx, nil)) })
	events := startEvents(ctx, t, s, &wg) // the relay and the notifier, on NATS
	httpServer := httptest.NewServer(tel.HTTP(s.APIHandler(tel.Registry), "orderflow-api"))
	t.Cleanup(func() {
		httpServer.Close()
		cancel()
		wg.Wait()
	})

	client := apiclient.New(httpServer.URL, "", nil)
	outcomes, err := demo.Run(ctx, client, demo.SignedTokens{Tokens: tokens})
	require.NoError(t, err)
	require.Len(t, outcomes, 8)
	for _, o := range outcomes {
		t.Run(o.Scenario, func(t *testing.T) {
			// Status, rejection reason and the audit trail's exact event sequence.
			require.NoError(t, o.Err)
			requireContext(t, o)
			requireWorkflow(t, o)
			events.requirePublished(t, o)
		})
	}

	// What the consumer apps read afterwards: each account holds what its consumer's
	// live orders cost (demo.Accounts reads until it does).
	restaurants, err := demo.Restaurants(ctx, client, demo.SignedTokens{Tokens: tokens}, outcomes)
	require.NoError(t, err)
	require.Len(t, restaurants, 3)
	accounts, err := demo.Accounts(ctx, client, demo.SignedTokens{Tokens: tokens}, outcomes)
	require.NoError(t, err)
	require.Len(t, accounts, 3)

	// Each order's trace runs from the API request that placed it, through its
	// workflow, into its activities.
	require.NoError(t, tel.Flush(ctx))
	requireTracesFromRequestToActivities(t, spans.GetSpans(), len(outcomes))

	// The read models rebuilt from the store equal the live ones.
	before := snapshot(t, schema, outcomes)
	store := eventstore.New(schema.Pool)
	defer store.Close()
	for _, name := range projections.Names() {
		require.NoError(t, projections.Rebuild(ctx, store, name))
	}
	require.Equal(t, before, snapshot(t, schema, outcomes))
}

// requireContext checks that every event of the trail names the order as its
// correlation, a principal, and the workflow that wrote it.
func requireContext(t *testing.T, o demo.Outcome) {
	var last int64
	for _, e := range o.Events {
		require.Equal(t, o.Order.ID.String(), e.Metadata.CorrelationID, e.Type)
		require.NotEmpty(t, e.Metadata.User, e.Type)
		require.NotEmpty(t, e.Metadata.RecordedAt, e.Type)
		require.Greater(t, e.GlobalPosition, last, "the trail is in global order")
		last = e.GlobalPosition
		switch e.Type {
		case "TicketPreparationStarted", "TicketReadyForPickup", "TicketPickedUp":
			require.Empty(t, e.Metadata.WorkflowID, "the kitchen's own actions are not saga steps")
		default:
			require.Contains(t, e.Metadata.WorkflowID, workflows.OrderWorkflowID(o.Order.ID), e.Type)
			require.NotEmpty(t, e.Metadata.RunID, e.Type)
		}
	}
}

// requireWorkflow checks the order's workflow in Temporal: closed once the order is
// settled, still serving an approved order or waiting for a shipped one's delivery,
// and its OrderStatus search attribute agreeing with the read model.
func requireWorkflow(t *testing.T, o demo.Outcome) {
	ctx := context.Background()
	id := workflows.OrderWorkflowID(o.Order.ID)
	want := enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED
	if o.Order.Status == "APPROVED" || o.Order.Status == "SHIPPED" {
		want = enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING
	}
	require.Eventually(t, func() bool {
		d, err := server.Client(t).DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			return false
		}
		info := d.WorkflowExecutionInfo
		var status string
		if p, ok := info.SearchAttributes.GetIndexedFields()["OrderStatus"]; ok {
			status = string(p.GetData())
		}
		return info.Status == want && status == `"`+string(o.Order.Status)+`"`
	}, 20*time.Second, 100*time.Millisecond, "workflow %s should be %s with OrderStatus %s", id, want, o.Order.Status)
}

// snapshot is every scenario's order as the read model has it.
func snapshot(t *testing.T, schema pgtest.Schema, outcomes []demo.Outcome) map[uuid.UUID]projections.OrderView {
	q := projections.Queries{Pool: schema.Pool}
	out := map[uuid.UUID]projections.OrderView{}
	for _, o := range outcomes {
		v, err := q.GetOrder(context.Background(), o.Order.ID)
		require.NoError(t, err)
		out[o.Order.ID] = v
	}
	return out
}

func requireTracesFromRequestToActivities(t *testing.T, spans tracetest.SpanStubs, orders int) {
	byTrace := map[trace.TraceID]map[string]bool{}
	for _, s := range spans {
		id := s.SpanContext.TraceID()
		if byTrace[id] == nil {
			byTrace[id] = map[string]bool{}
		}
		byTrace[id][s.Name] = true
		for _, a := range s.Attributes {
			if a.Key == "http.request.method" && s.SpanKind == trace.SpanKindServer {
				byTrace[id]["HTTP request"] = true
			}
		}
	}
	placed := 0
	for _, names := range byTrace {
		if !names["StartWorkflow:Order"] {
			continue
		}
		placed++
		// (RunWorkflow spans end with the workflow; an approved order's is still open.)
		for _, want := range []string{"HTTP request", "StartActivity:CreateOrder", "RunActivity:CreateOrder"} {
			require.True(t, names[want], "a placed order's trace lacks %s: %v", want, names)
		}
	}
	require.Equal(t, orders, placed, "one trace per placed order")
}
