package worker_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/internal/storetest"
	"github.com/orderflow/orderflow/internal/telemetry"
	"github.com/orderflow/orderflow/internal/temporaltest"
	"github.com/orderflow/orderflow/worker"
	"github.com/orderflow/orderflow/workflows"
)

var server *temporaltest.Server

func TestMain(m *testing.M) {
	s, stop, err := temporaltest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "worker tests need a Temporal dev server:", err)
		os.Exit(1)
	}
	server = s
	code := m.Run()
	stop()
	os.Exit(code)
}

// The workers run the sagas against a real Temporal dev server and PostgreSQL: an
// order is approved, cannot be started twice, is found by its search attributes, and
// is canceled through an update. One worker and one schema serve every subtest: the
// task queues are shared on the server.
func TestWorkersRunTheSagasOnADevServer(t *testing.T) {
	st := newStore(t)
	c := server.Client(t)

	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- worker.Run(ctx, c, st, nil, slog.Default()) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-stopped)
	})

	in := newOrder(t, st, 10_000)
	run, err := c.ExecuteWorkflow(ctx, workflows.StartOptions(in), workflows.Order, in)
	require.NoError(t, err)
	requireStatus(t, c, in, order.StatusApproved)

	// Starting the same order again does not start a second saga.
	_, err = c.ExecuteWorkflow(ctx, workflows.StartOptions(in), workflows.Order, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	require.True(t, errors.As(err, &started), "got %v", err)

	// The order is found by its search attributes, as in Temporal UI.
	require.Eventually(t, func() bool {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: fmt.Sprintf(
			"OrderStatus = 'APPROVED' AND ConsumerId = '%s' AND RestaurantId = '%s'", in.Order.ConsumerID, in.Order.RestaurantID)})
		return err == nil && len(resp.Executions) == 1 && resp.Executions[0].Execution.WorkflowId == run.GetID()
	}, 20*time.Second, 200*time.Millisecond)

	handle, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: run.GetID(), UpdateName: workflows.UpdateCancel, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{workflows.CancelRequest{User: "consumer:" + in.Order.ConsumerID.String(), Reason: "changed my mind"}},
	})
	require.NoError(t, err)
	require.NoError(t, handle.Get(ctx, nil))
	var result workflows.OrderResult
	require.NoError(t, run.Get(ctx, &result))
	require.Equal(t, order.StatusCanceled, result.Status)

	// A declined card: rejected with its reason, in the store and in Temporal.
	declined := newOrder(t, st, 100)
	run, err = c.ExecuteWorkflow(ctx, workflows.StartOptions(declined), workflows.Order, declined)
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, &result))
	require.Equal(t, workflows.OrderResult{Status: order.StatusRejected, RejectionReason: "INSUFFICIENT_CREDIT"}, result)

}

// newStore is an event store on a schema of its own, for one test.
func newStore(t testing.TB) aggregate.Store {
	st, _ := storetest.NewAggregates(t)
	return st
}

func newOrder(t testing.TB, st aggregate.Store, creditLimitCents int64) workflows.PlaceOrder {
	eur := func(c int64) money.Money { return money.Money{Cents: c, Currency: "EUR"} }
	in := workflows.PlaceOrder{
		Order: order.CreateCommand{
			OrderID: uuid.New(), ConsumerID: uuid.New(), RestaurantID: uuid.New(),
			Lines:           []order.Line{{MenuItemID: "pho", Name: "Pho", Quantity: 2, UnitPrice: eur(1200), Total: eur(2400)}},
			Total:           eur(2400),
			DeliveryAddress: order.Address{Street: "5 Rue Oberkampf", City: "Paris", Zip: "75011"},
		},
		Acceptance: workflows.Acceptance{Auto: true},
		CommandID:  "req-" + uuid.NewString(),
	}
	in.User = "consumer:" + in.Order.ConsumerID.String()
	_, err := app.Consumers{Store: st}.Register(context.Background(), "admin:test", app.RegisterConsumer{
		ID: in.Order.ConsumerID, Name: "Grace", Email: "grace@example.com", CreditLimit: eur(creditLimitCents), CardLast4: "1881"})
	require.NoError(t, err)
	return in
}

func requireStatus(t *testing.T, c client.Client, in workflows.PlaceOrder, want order.Status) {
	t.Helper()
	require.Eventually(t, func() bool {
		v, err := c.QueryWorkflow(context.Background(), workflows.OrderWorkflowID(in.Order.OrderID), "", workflows.QueryProgress)
		if err != nil {
			return false
		}
		var p workflows.Progress
		return v.Get(&p) == nil && p.Status == want
	}, 30*time.Second, 100*time.Millisecond)
}

// A trace started by the caller (the API's request span) follows the order's workflow
// into every activity: Temporal's tracing interceptor carries it in the headers.
func TestTracesFollowAnOrderIntoItsActivities(t *testing.T) {
	tel, err := telemetry.Setup(context.Background(), "orderflow-test", "")
	require.NoError(t, err)
	spans := tracetest.NewInMemoryExporter()
	require.NoError(t, tel.TraceTo(spans))
	c, err := client.Dial(client.Options{HostPort: server.Address, Interceptors: tel.TemporalInterceptors})
	require.NoError(t, err)
	t.Cleanup(c.Close)

	st := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error, 1)
	go func() { stopped <- worker.Run(ctx, c, st, nil, slog.Default()) }()

	in := newOrder(t, st, 100) // declined at once: the saga runs to its end without waiting
	requestCtx, request := otel.Tracer("test").Start(ctx, "POST /v1/orders")
	run, err := c.ExecuteWorkflow(requestCtx, workflows.StartOptions(in), workflows.Order, in)
	require.NoError(t, err)
	request.End()
	var result workflows.OrderResult
	require.NoError(t, run.Get(ctx, &result))
	require.Equal(t, order.StatusRejected, result.Status)
	cancel()
	require.NoError(t, <-stopped)
	require.NoError(t, tel.Flush(context.Background()))

	trace := request.SpanContext().TraceID()
	names := map[string]bool{}
	for _, s := range spans.GetSpans() {
		if s.SpanContext.TraceID() == trace {
			names[s.Name] = true
		}
	}
	for _, want := range []string{"StartWorkflow:Order", "RunWorkflow:Order", "StartActivity:VerifyConsumer",
		"RunActivity:VerifyConsumer", "RunActivity:AuthorizeCard", "RunActivity:RejectOrder"} {
		require.True(t, names[want], "span %s is not in the request's trace; got %v", want, names)
	}
}
