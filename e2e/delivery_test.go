package e2e_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/orderflow/orderflow/api"
	"github.com/orderflow/orderflow/api/openapi"
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
		return apiclient.New(apiServer.URL, token, nil)
	}
	admin := as(signed.Admin())
	ada := registerConsumer(ctx, t, admin, "Ada")
	trattoria := createRestaurant(ctx, t, admin, "Trattoria", true, openapi.MenuItemRequest{ID: "margherita", Name: "Margherita", PriceCents: 900})
	consumer, kitchen, courier := as(signed.Consumer(ada)), as(signed.Restaurant(trattoria)), as(signed.Courier("courier-17"))

	placed, err := placeOrder(ctx, consumer, ada, trattoria, openapi.OrderItemRequest{MenuItemID: "margherita", Quantity: 2})
	require.NoError(t, err)
	id := placed.ID
	waitFor := func(status openapi.OrderStatus) {
		t.Helper()
		_, err := admin.WaitForOrder(ctx, id, demo.Timeout, func(o openapi.OrderView) bool { return o.Status == status })
		require.NoError(t, err)
	}
	events := func() []openapi.RecordedEvent {
		t.Helper()
		resp, err := admin.GetOrderEventsWithResponse(ctx, id)
		require.NoError(t, err)
		return resp.JSON200.Events
	}
	trail := func() []string {
		t.Helper()
		var types []string
		for _, e := range events() {
			types = append(types, e.Type)
		}
		return types
	}
	refused := func(err error, status int, code openapi.ErrorCode) {
		t.Helper()
		var p *apiclient.Problem
		require.True(t, errors.As(err, &p), "want a %d %s problem, got %v", status, code, err)
		require.Equal(t, status, p.Status, p.Error())
		var got openapi.ErrorCode
		if p.Code != nil {
			got = *p.Code
		}
		require.Equal(t, code, got, p.Error())
	}
	deliver := func(by *apiclient.Client, key string) error {
		var params *openapi.DeliverOrderParams
		if key != "" {
			params = &openapi.DeliverOrderParams{IdempotencyKey: &key}
		}
		_, err := by.DeliverOrderWithResponse(ctx, id, params)
		return err
	}

	waitFor("APPROVED")
	approved := trail()
	refused(deliver(courier, ""), 409, "INVALID_STATE_TRANSITION") // the food has not left
	for _, step := range demo.HandOver {
		require.NoError(t, step.Send(ctx, kitchen, id), step.Action)
	}
	waitFor("SHIPPED")
	shipped := trail()
	require.Equal(t, append(approved, "TicketPreparationStarted", "TicketReadyForPickup", "TicketPickedUp", "OrderShipped"), shipped)

	// The food has left: nothing to cancel or revise, and only a courier reports it.
	_, err = consumer.CancelOrderWithResponse(ctx, id, nil, openapi.CancelOrderRequest{Reason: new("too late")})
	refused(err, 409, "TICKET_ALREADY_PICKED_UP")
	_, err = consumer.ReviseOrderWithResponse(ctx, id, nil, openapi.ReviseOrderRequest{
		Items: []openapi.LineChange{{MenuItemID: "margherita", Quantity: 3}}})
	refused(err, 409, "TICKET_NOT_REVISABLE")
	refused(deliver(consumer, ""), 403, "")
	refused(deliver(kitchen, ""), 403, "")
	require.Equal(t, shipped, trail(), "a refusal wrote")

	key := "delivered-" + id.String()
	require.NoError(t, deliver(courier, key))
	waitFor("DELIVERED")
	all := events()
	last := all[len(all)-1]
	require.Equal(t, append(shipped, "OrderDelivered"), trail())
	require.Equal(t, "courier:courier-17", last.Metadata.User)
	require.Equal(t, workflows.OrderWorkflowID(id), last.Metadata.WorkflowID)

	// The delivery ended the order's workflow.
	run := temporal.GetWorkflow(ctx, workflows.OrderWorkflowID(id), "")
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
	require.NoError(t, deliver(courier, key))
	_, err = schema.Pool.Exec(ctx, `delete from api_idempotency_keys`)
	require.NoError(t, err)
	require.NoError(t, deliver(courier, key))
	refused(deliver(courier, "delivered-again-"+id.String()), 409, "INVALID_STATE_TRANSITION")
	refused(deliver(courier, ""), 409, "INVALID_STATE_TRANSITION")
	require.Equal(t, append(shipped, "OrderDelivered"), trail(), "a repeated report wrote")
}
