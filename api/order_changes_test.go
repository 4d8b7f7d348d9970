package api_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/workflows"
)

type changeBody struct {
	ID         uuid.UUID `json:"id"`
	WorkflowID string    `json:"workflow_id"`
	Request    string    `json:"request"`
}

func TestCancelOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	id := h.approvedOrder(consumerID, restaurantID)

	var got changeBody
	h.nothingAppended(func() {
		got = requireJSON[changeBody](t, h.post("/v1/orders/"+id.String()+"/cancel", h.asConsumer(consumerID),
			map[string]any{"reason": "changed my mind"}), http.StatusAccepted)
	})
	require.Equal(t, changeBody{ID: id, WorkflowID: "order-" + id.String(), Request: "cancel"}, got)

	updates := h.wf.updateCalls()
	require.Len(t, updates, 1)
	require.Equal(t, "order-"+id.String(), updates[0].WorkflowID)
	require.Equal(t, workflows.UpdateCancel, updates[0].UpdateName)
	require.Equal(t, client.WorkflowUpdateStageCompleted, updates[0].WaitForStage)
	require.Equal(t, []any{workflows.CancelRequest{User: consumerPrincipal(consumerID).String(), Reason: "changed my mind"}}, updates[0].Args)

	// Without a body, and by an admin.
	requireJSON[changeBody](t, h.post("/v1/orders/"+id.String()+"/cancel", h.admin(), nil), http.StatusAccepted)
	updates = h.wf.updateCalls()
	require.Len(t, updates, 2)
	require.Equal(t, []any{workflows.CancelRequest{User: "admin:root"}}, updates[1].Args)
	require.Empty(t, h.wf.startCalls())
}

func TestReviseOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	id := h.approvedOrder(consumerID, restaurantID)

	var got changeBody
	h.nothingAppended(func() {
		got = requireJSON[changeBody](t, h.post("/v1/orders/"+id.String()+"/revise", h.asConsumer(consumerID),
			map[string]any{"items": []map[string]any{{"menu_item_id": "pizza", "quantity": 3}, {"menu_item_id": "pasta", "quantity": 0}}}),
			http.StatusAccepted)
	})
	require.Equal(t, changeBody{ID: id, WorkflowID: "order-" + id.String(), Request: "revise"}, got)

	updates := h.wf.updateCalls()
	require.Len(t, updates, 1)
	require.Equal(t, "order-"+id.String(), updates[0].WorkflowID)
	require.Equal(t, workflows.UpdateRevise, updates[0].UpdateName)
	require.Equal(t, []any{workflows.ReviseRequest{User: consumerPrincipal(consumerID).String(),
		Items: []order.LineChange{{MenuItemID: "pizza", Quantity: 3}, {MenuItemID: "pasta", Quantity: 0}}}}, updates[0].Args)
}

// A courier reports a delivery: the order's workflow is asked to record it (the
// workflow decides whether the food has left), and nothing is appended by the API.
func TestDeliverOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	id := h.approvedOrder(consumerID, restaurantID)
	path := "/v1/orders/" + id.String() + "/delivered"

	var got changeBody
	h.nothingAppended(func() {
		got = requireJSON[changeBody](t, h.post(path, h.asCourier(), nil), http.StatusAccepted)
	})
	require.Equal(t, changeBody{ID: id, WorkflowID: "order-" + id.String(), Request: "deliver"}, got)

	updates := h.wf.updateCalls()
	require.Len(t, updates, 1)
	require.Equal(t, "order-"+id.String(), updates[0].WorkflowID)
	require.Equal(t, workflows.UpdateDeliver, updates[0].UpdateName)
	require.Equal(t, client.WorkflowUpdateStageCompleted, updates[0].WaitForStage)
	require.Equal(t, []any{workflows.DeliverRequest{User: "courier:k-17"}}, updates[0].Args)

	// By an admin.
	requireJSON[changeBody](t, h.post(path, h.admin(), nil), http.StatusAccepted)
	updates = h.wf.updateCalls()
	require.Len(t, updates, 2)
	require.Equal(t, []any{workflows.DeliverRequest{User: "admin:root"}}, updates[1].Args)
	require.Empty(t, h.wf.startCalls())
}

// A delivery sent again with its Idempotency-Key gets the first answer and asks the
// workflow once, with an update named after the key (which Temporal answers as the
// first even once the workflow has ended, see e2e).
func TestDeliverOrderWithAnIdempotencyKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	id := h.approvedOrder(h.newConsumer(), h.newRestaurant())
	deliver := request{Method: http.MethodPost, Path: "/v1/orders/" + id.String() + "/delivered", Token: h.asCourier(),
		Header: map[string]string{"Idempotency-Key": "delivered-once"}}

	first := h.serve(deliver)
	require.Equal(t, http.StatusAccepted, first.Code, "body: %s", first.Body.String())
	again := h.serve(deliver)
	require.Equal(t, http.StatusAccepted, again.Code)
	require.Equal(t, "true", again.Header().Get("Idempotent-Replayed"))
	require.JSONEq(t, first.Body.String(), again.Body.String())
	updates := h.wf.updateCalls()
	require.Len(t, updates, 1)
	require.NotEmpty(t, updates[0].UpdateID, "the update is named after the key")
}

// TestOrderChangeRefusals: what the workflow refuses, what Temporal says of an ended
// workflow, and who may not change an order. Each refusal appends nothing.
func TestOrderChangeRefusals(t *testing.T) {
	t.Parallel()
	courier := func(h *harness, _ uuid.UUID) string { return h.asCourier() }
	reviseBody := map[string]any{"items": []map[string]any{{"menu_item_id": "pizza", "quantity": 1}}}
	tests := []struct {
		name    string
		action  string
		body    any
		setup   func(h *harness)
		token   func(h *harness, restaurantID uuid.UUID) string
		orderID func(id uuid.UUID) string
		status  int
		slug    string
		code    domain.Code
		fields  []domain.FieldError
		updated bool // the workflow was asked (and refused)
	}{
		{name: "cancel refused by the workflow", action: "cancel", updated: true,
			setup: func(h *harness) {
				h.wf.refuseUpdates(domain.CodeInvalidStateTransition, "order is CANCEL_PENDING: another change is in progress")
			},
			status: 409, slug: "invalid-state-transition", code: domain.CodeInvalidStateTransition},
		{name: "revise refused by the workflow", action: "revise", body: reviseBody, updated: true,
			setup: func(h *harness) {
				h.wf.refuseUpdates(domain.CodeInvalidStateTransition, "order is REVISION_PENDING: another change is in progress")
			},
			status: 409, slug: "invalid-state-transition", code: domain.CodeInvalidStateTransition},
		{name: "revise with invalid fields", action: "revise", body: reviseBody, updated: true,
			setup: func(h *harness) {
				h.wf.refuseUpdates(domain.CodeValidationFailed, "VALIDATION_FAILED",
					domain.FieldError{Field: "items[0].quantity", Message: "must be between 0 and 99"},
					domain.FieldError{Field: "items", Message: "a revision cannot remove every line; cancel the order instead"})
			},
			status: 422, slug: "validation-failed", code: domain.CodeValidationFailed,
			fields: []domain.FieldError{
				{Field: "items[0].quantity", Message: "must be between 0 and 99"},
				{Field: "items", Message: "a revision cannot remove every line; cancel the order instead"},
			}},
		{name: "revise with an item not in the order", action: "revise", body: reviseBody, updated: true,
			setup: func(h *harness) {
				h.wf.refuseUpdates(domain.CodeMenuItemNotFound, "1 item(s) are not in order",
					domain.FieldError{Field: "items[0].menu_item_id", Message: `"sushi" is not in this order`})
			},
			status: 422, slug: "menu-item-not-found", code: domain.CodeMenuItemNotFound,
			fields: []domain.FieldError{{Field: "items[0].menu_item_id", Message: `"sushi" is not in this order`}}},
		{name: "cancel after the workflow ended", action: "cancel", updated: true,
			setup:  func(h *harness) { h.wf.endWorkflows() },
			status: 409, slug: "invalid-state-transition", code: domain.CodeInvalidStateTransition},
		{name: "revise after the workflow ended", action: "revise", body: reviseBody, updated: true,
			setup:  func(h *harness) { h.wf.endWorkflows() },
			status: 409, slug: "invalid-state-transition", code: domain.CodeInvalidStateTransition},
		{name: "cancel another consumer's order", action: "cancel",
			token:  func(h *harness, _ uuid.UUID) string { return h.asConsumer(uuid.New()) },
			status: 404, slug: "order-not-found", code: domain.CodeOrderNotFound},
		{name: "revise another consumer's order", action: "revise", body: reviseBody,
			token:  func(h *harness, _ uuid.UUID) string { return h.asConsumer(uuid.New()) },
			status: 404, slug: "order-not-found", code: domain.CodeOrderNotFound},
		{name: "cancel by the order's restaurant", action: "cancel",
			token:  func(h *harness, r uuid.UUID) string { return h.asRestaurant(r) },
			status: 403, slug: "forbidden"},
		{name: "revise by the order's restaurant", action: "revise", body: reviseBody,
			token:  func(h *harness, r uuid.UUID) string { return h.asRestaurant(r) },
			status: 403, slug: "forbidden"},
		{name: "cancel by another restaurant", action: "cancel",
			token:  func(h *harness, _ uuid.UUID) string { return h.asRestaurant(uuid.New()) },
			status: 404, slug: "order-not-found", code: domain.CodeOrderNotFound},
		{name: "cancel an unknown order", action: "cancel",
			orderID: func(uuid.UUID) string { return uuid.NewString() },
			status:  404, slug: "order-not-found", code: domain.CodeOrderNotFound},
		{name: "revise an unknown order", action: "revise", body: reviseBody,
			orderID: func(uuid.UUID) string { return uuid.NewString() },
			status:  404, slug: "order-not-found", code: domain.CodeOrderNotFound},
		{name: "cancel with an invalid uuid", action: "cancel",
			orderID: func(uuid.UUID) string { return "order-1" },
			status:  400, slug: "malformed-request"},
		{name: "revise with a malformed body", action: "revise", body: `{"items": [`,
			status: 400, slug: "malformed-request"},
		{name: "revise with a client-sent price", action: "revise",
			body:   map[string]any{"items": []map[string]any{{"menu_item_id": "pizza", "quantity": 1, "price_cents": 100}}},
			status: 422, slug: "validation-failed", code: domain.CodeValidationFailed,
			fields: []domain.FieldError{{Field: "*price_cents", Message: "is not a known field"}}},
		{name: "revise without a body", action: "revise",
			status: 415, slug: "unsupported-media-type"},
		{name: "cancel with an unknown field", action: "cancel", body: map[string]any{"refund": true},
			status: 422, slug: "validation-failed", code: domain.CodeValidationFailed,
			fields: []domain.FieldError{{Field: "refund", Message: "is not a known field"}}},
		// Once the food has left, the workflow refuses cancel and revise (and the saga
		// has ended once the order is delivered).
		{name: "cancel after the pickup", action: "cancel", updated: true,
			setup: func(h *harness) {
				h.wf.refuseUpdates(domain.CodeTicketAlreadyPickedUp, "order: the food was already picked up")
			},
			status: 409, slug: "ticket-already-picked-up", code: domain.CodeTicketAlreadyPickedUp},
		{name: "revise after the pickup", action: "revise", body: reviseBody, updated: true,
			setup: func(h *harness) {
				h.wf.refuseUpdates(domain.CodeTicketNotRevisable, "order: the food was already picked up")
			},
			status: 409, slug: "ticket-not-revisable", code: domain.CodeTicketNotRevisable},
		{name: "delivered before the pickup, or twice", action: "delivered", token: courier, updated: true,
			setup: func(h *harness) {
				h.wf.refuseUpdates(domain.CodeInvalidStateTransition, "order is APPROVED and cannot become DELIVERED")
			},
			status: 409, slug: "invalid-state-transition", code: domain.CodeInvalidStateTransition},
		{name: "delivered after the workflow ended", action: "delivered", token: courier, updated: true,
			setup:  func(h *harness) { h.wf.endWorkflows() },
			status: 409, slug: "invalid-state-transition", code: domain.CodeInvalidStateTransition},
		{name: "delivered by the order's consumer", action: "delivered",
			status: 403, slug: "forbidden"},
		{name: "delivered by the order's restaurant", action: "delivered",
			token:  func(h *harness, r uuid.UUID) string { return h.asRestaurant(r) },
			status: 403, slug: "forbidden"},
		{name: "delivered an unknown order", action: "delivered", token: courier,
			orderID: func(uuid.UUID) string { return uuid.NewString() },
			status:  404, slug: "order-not-found", code: domain.CodeOrderNotFound},
		{name: "delivered with an invalid uuid", action: "delivered", token: courier,
			orderID: func(uuid.UUID) string { return "order-1" },
			status:  400, slug: "malformed-request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			consumerID := h.newConsumer()
			restaurantID := h.newRestaurant()
			id := h.approvedOrder(consumerID, restaurantID)
			if tt.setup != nil {
				tt.setup(h)
			}
			token := h.asConsumer(consumerID)
			if tt.token != nil {
				token = tt.token(h, restaurantID)
			}
			path := "/v1/orders/" + id.String() + "/" + tt.action
			if tt.orderID != nil {
				path = "/v1/orders/" + tt.orderID(id) + "/" + tt.action
			}
			h.nothingAppended(func() {
				p := requireProblem(t, h.post(path, token, tt.body), tt.status, tt.slug)
				require.Equal(t, string(tt.code), p.Code)
				if tt.fields != nil {
					requireFields(t, tt.fields, p.Errors)
				}
			})
			require.Empty(t, h.wf.startCalls())
			if tt.updated {
				require.Len(t, h.wf.updateCalls(), 1)
			} else {
				require.Empty(t, h.wf.updateCalls(), "the workflow was asked")
			}
		})
	}
}
