package e2e_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/internal/apiclient"
	"github.com/orderflow/orderflow/internal/demo"
	"github.com/orderflow/orderflow/internal/pgtest"
	"github.com/orderflow/orderflow/internal/stack"
	"github.com/orderflow/orderflow/workflows"
)

// An order goes APPROVED -> SHIPPED -> DELIVERED through the real stack: the courier's
// report is refused before the pickup, cancel and revise are refused once the food has
// left, the delivery ends the order's workflow, and a report retried with its
// Idempotency-Key answers as the first, even once the key's record is gone, while a
// second report is refused. Every refusal writes nothing.
func TestDeliveryThroughTheAPI(t *testing.T) {
	ctx := context.Background()
	schema := pgtest.NewSchema(t, stack.Migrations()...)
	temporal := server.Client(t)
	tokens := api.Tokens{Secret: []byte("end-to-end-test-secret-of-32-bytes!!"), Issuer: "orderflow"}
	s := stack.New(schema.Pool, temporal, tokens, slog.New(slog.NewTextHandler(io.Discard, nil)), schema.Name)
	t.Cleanup(s.Close)
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { require.NoError(t, s.RunWorkers(runCtx)) })
	wg.Go(func() { require.NoError(t, s.RunProjector(runCtx, nil)) })
	apiServer := httptest.NewServer(s.APIHandler(prometheus.NewRegistry()))
	t.Cleanup(func() {
		apiServer.Close()
		stop()
		wg.Wait()
	})

	signed := demo.SignedTokens{Tokens: tokens}
	as := func(token string, err error) *apiclient.Client {
		t.Helper()
		require.NoError(t, err)
		return &apiclient.Client{BaseURL: apiServer.URL, Token: token}
	}
	admin := as(signed.Admin())
	ada, err := admin.RegisterConsumer(ctx, "Ada", "ada."+uuid.NewString()[:8]+"@example.com", 100_00, "EUR")
	require.NoError(t, err)
	trattoria, err := admin.CreateRestaurant(ctx, apiclient.NewRestaurant{Name: "Trattoria", AutoAccept: true,
		AcceptanceTimeoutSeconds: 60, Currency: "EUR", Menu: []apiclient.MenuItem{{ID: "margherita", Name: "Margherita", PriceCents: 900}}})
	require.NoError(t, err)
	consumer, kitchen, courier := as(signed.Consumer(ada.ID)), as(signed.Restaurant(trattoria.ID)), as(signed.Courier("courier-17"))

	placed, err := consumer.PlaceOrder(ctx, apiclient.NewOrder{ConsumerID: ada.ID, RestaurantID: trattoria.ID,
		Items:           []apiclient.Item{{MenuItemID: "margherita", Quantity: 2}},
		DeliveryAddress: apiclient.Address{Street: "1 Via Roma", City: "Milano", Zip: "20100"}}, "")
	require.NoError(t, err)
	id := placed.ID
	waitFor := func(status string) {
		t.Helper()
		_, err := admin.WaitForOrder(ctx, id, demo.Timeout, func(o apiclient.Order) bool { return o.Status == status })
		require.NoError(t, err)
	}
	trail := func() []string {
		t.Helper()
		events, err := admin.OrderEvents(ctx, id)
		require.NoError(t, err)
		types := make([]string, len(events))
		for i, e := range events {
			types[i] = e.Type
		}
		return types
	}
	refused := func(err error, status int, code string) {
		t.Helper()
		var p *apiclient.Problem
		require.True(t, errors.As(err, &p), "want a %d %s problem, got %v", status, code, err)
		require.Equal(t, status, p.Status, p.Detail)
		require.Equal(t, code, p.Code, p.Detail)
	}

	waitFor("APPROVED")
	approved := trail()
	refused(courier.DeliverOrder(ctx, id, ""), 409, "INVALID_STATE_TRANSITION") // the food has not left
	for _, action := range []string{"preparing", "ready", "picked-up"} {
		require.NoError(t, kitchen.TicketAction(ctx, id, action, ""))
	}
	waitFor("SHIPPED")
	shipped := trail()
	require.Equal(t, append(approved, "TicketPreparationStarted", "TicketReadyForPickup", "TicketPickedUp", "OrderShipped"), shipped)

	// The food has left: nothing to cancel or revise, and only a courier reports it.
	refused(consumer.CancelOrder(ctx, id, "too late"), 409, "TICKET_ALREADY_PICKED_UP")
	refused(consumer.ReviseOrder(ctx, id, []apiclient.Item{{MenuItemID: "margherita", Quantity: 3}}), 409, "TICKET_NOT_REVISABLE")
	refused(consumer.DeliverOrder(ctx, id, ""), 403, "")
	refused(kitchen.DeliverOrder(ctx, id, ""), 403, "")
	require.Equal(t, shipped, trail(), "a refusal wrote")

	require.NoError(t, courier.DeliverOrder(ctx, id, "delivered-"+id))
	waitFor("DELIVERED")
	events, err := admin.OrderEvents(ctx, id)
	require.NoError(t, err)
	last := events[len(events)-1]
	require.Equal(t, append(shipped, "OrderDelivered"), trail())
	require.Equal(t, "courier:courier-17", last.Metadata.User)
	require.Equal(t, workflows.OrderWorkflowID(uuid.MustParse(id)), last.Metadata.WorkflowID)

	// The delivery ended the order's workflow.
	run := temporal.GetWorkflow(ctx, workflows.OrderWorkflowID(uuid.MustParse(id)), "")
	var result workflows.OrderResult
	require.NoError(t, run.Get(ctx, &result))
	require.Equal(t, workflows.OrderResult{Status: "DELIVERED"}, result)
	d, err := temporal.DescribeWorkflowExecution(ctx, run.GetID(), "")
	require.NoError(t, err)
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, d.WorkflowExecutionInfo.Status)

	// The same report again answers as the first: replayed by the API, and, with the
	// key's record gone (expired, or its response lost), by Temporal, which answers an
	// update it already ran even though the workflow has ended. Another report is
	// refused.
	require.NoError(t, courier.DeliverOrder(ctx, id, "delivered-"+id))
	_, err = schema.Pool.Exec(ctx, `delete from api_idempotency_keys`)
	require.NoError(t, err)
	require.NoError(t, courier.DeliverOrder(ctx, id, "delivered-"+id))
	refused(courier.DeliverOrder(ctx, id, "delivered-again-"+id), 409, "INVALID_STATE_TRANSITION")
	refused(courier.DeliverOrder(ctx, id, ""), 409, "INVALID_STATE_TRANSITION")
	require.Equal(t, append(shipped, "OrderDelivered"), trail(), "a repeated report wrote")
}
