package api_test

import (
	"context"
	"net/http"
	"reflect"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/workflows"
)

type placedBody struct {
	ID         uuid.UUID `json:"id"`
	Status     string    `json:"status"`
	WorkflowID string    `json:"workflow_id"`
	TotalCents int64     `json:"total_cents"`
	Currency   string    `json:"currency"`
}

func orderBody(consumerID, restaurantID uuid.UUID, items ...map[string]any) map[string]any {
	if items == nil {
		items = []map[string]any{{"menu_item_id": "pizza", "quantity": 2}, {"menu_item_id": "tiramisu", "quantity": 3}}
	}
	return map[string]any{
		"consumer_id": consumerID.String(), "restaurant_id": restaurantID.String(), "items": items,
		"delivery_address": map[string]any{"street": "1 Main St", "city": "Springfield", "zip": "12345"},
	}
}

func TestPlaceOrder(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	events := h.eventCount()

	rec := h.serve(request{Method: http.MethodPost, Path: "/v1/orders", Token: h.asConsumer(consumerID),
		Body: orderBody(consumerID, restaurantID), Header: map[string]string{"X-Request-Id": "req-place-1"}})
	got := requireJSON[placedBody](t, rec, http.StatusAccepted)
	require.NotEqual(t, uuid.Nil, got.ID)
	require.Equal(t, "APPROVAL_PENDING", got.Status)
	require.Equal(t, "order-"+got.ID.String(), got.WorkflowID)
	require.Equal(t, int64(2*1250+3*575), got.TotalCents, "the server prices the order from the menu")
	require.Equal(t, "EUR", got.Currency)
	require.Equal(t, "/v1/orders/"+got.ID.String(), rec.Header().Get("Location"))

	// The API writes nothing itself: the saga it started does.
	require.Equal(t, events, h.eventCount())
	starts := h.wf.startCalls()
	require.Len(t, starts, 1)
	start := starts[0]
	require.Equal(t, "order-"+got.ID.String(), start.Options.ID)
	require.Equal(t, workflows.TaskQueueOrders, start.Options.TaskQueue)
	require.Equal(t, reflect.ValueOf(workflows.Order).Pointer(), reflect.ValueOf(start.Workflow).Pointer())
	require.Len(t, start.Args, 1)
	in, ok := start.Args[0].(workflows.PlaceOrder)
	require.True(t, ok, "%T", start.Args[0])
	require.Equal(t, got.ID, in.Order.OrderID)
	require.Equal(t, consumerID, in.Order.ConsumerID)
	require.Equal(t, restaurantID, in.Order.RestaurantID)
	require.Equal(t, money.Money{Cents: 4225, Currency: "EUR"}, in.Order.Total)
	require.Equal(t, []order.Line{
		{MenuItemID: "pizza", Name: "Pizza Margherita", Quantity: 2, UnitPrice: money.Money{Cents: 1250, Currency: "EUR"}, Total: money.Money{Cents: 2500, Currency: "EUR"}},
		{MenuItemID: "tiramisu", Name: "Tiramisu", Quantity: 3, UnitPrice: money.Money{Cents: 575, Currency: "EUR"}, Total: money.Money{Cents: 1725, Currency: "EUR"}},
	}, in.Order.Lines)
	require.Equal(t, order.Address{Street: "1 Main St", City: "Springfield", Zip: "12345"}, in.Order.DeliveryAddress)
	require.Equal(t, consumerPrincipal(consumerID).String(), in.User, "the principal is who the saga records")
	require.Equal(t, "req-place-1", in.CommandID, "the request is the causation of the saga's events")
	require.False(t, in.Acceptance.Auto)
	require.Zero(t, len(h.wf.updateCalls())+len(h.wf.signalCalls()))

	// An admin may place an order for any consumer.
	got = requireJSON[placedBody](t, h.post("/v1/orders", h.admin(), orderBody(consumerID, restaurantID)), http.StatusAccepted)
	require.Len(t, h.wf.startCalls(), 2)
	require.Equal(t, "admin:root", h.wf.startCalls()[1].Args[0].(workflows.PlaceOrder).User)
}

func TestPlaceOrderWithAnIdempotencyKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	token := h.asConsumer(consumerID)
	place := func(key string, body map[string]any) (*placedBody, string, int, string) {
		rec := h.serve(request{Method: http.MethodPost, Path: "/v1/orders", Token: token, Body: body,
			Header: map[string]string{"Idempotency-Key": key}})
		if rec.Code != http.StatusAccepted {
			return nil, rec.Header().Get("Idempotent-Replayed"), rec.Code, rec.Body.String()
		}
		got := decodeBody[placedBody](t, rec)
		return &got, rec.Header().Get("Idempotent-Replayed"), rec.Code, rec.Body.String()
	}
	body := orderBody(consumerID, restaurantID)

	first, replayed, _, _ := place("order-key-1", body)
	require.NotNil(t, first)
	require.Empty(t, replayed)

	again, replayed, status, _ := place("order-key-1", body)
	require.Equal(t, http.StatusAccepted, status)
	require.Equal(t, "true", replayed)
	require.Equal(t, first.ID, again.ID)
	require.Len(t, h.wf.startCalls(), 1, "a replayed request starts no second workflow")

	// The same key with another body is refused and starts nothing.
	other := orderBody(consumerID, restaurantID, map[string]any{"menu_item_id": "pasta", "quantity": 1})
	h.nothingWritten(func() {
		rec := h.serve(request{Method: http.MethodPost, Path: "/v1/orders", Token: token, Body: other,
			Header: map[string]string{"Idempotency-Key": "order-key-1"}})
		requireProblem(t, rec, http.StatusUnprocessableEntity, "idempotency-key-reused")
	})

	// Another key is another order.
	second, _, _, _ := place("order-key-2", body)
	require.NotNil(t, second)
	require.NotEqual(t, first.ID, second.ID)
	require.Len(t, h.wf.startCalls(), 2)

	// Keys are the principal's: an admin's same key names another order.
	rec := h.serve(request{Method: http.MethodPost, Path: "/v1/orders", Token: h.admin(), Body: body,
		Header: map[string]string{"Idempotency-Key": "order-key-1"}})
	byAdmin := requireJSON[placedBody](t, rec, http.StatusAccepted)
	require.NotEqual(t, first.ID, byAdmin.ID)

	// When the kept response is gone (expired), the key still names the same order,
	// whose workflow already runs: same answer, still one saga.
	_, err := h.schema.Pool.Exec(context.Background(), `delete from api_idempotency_keys`)
	require.NoError(t, err)
	retried, replayed, status, _ := place("order-key-1", body)
	require.Equal(t, http.StatusAccepted, status)
	require.Empty(t, replayed)
	require.Equal(t, first.ID, retried.ID)
	ids := map[string]int{}
	for _, s := range h.wf.startCalls() {
		ids[s.Options.ID]++
	}
	require.Equal(t, 2, ids["order-"+first.ID.String()], "the retry asked Temporal, which refused a second start")
}

func TestPlaceOrderRefusals(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	closedID := h.newRestaurant()
	_, err := app.Restaurants{Store: h.store}.Close(context.Background(), "admin:fixture", closedID)
	require.NoError(t, err)
	token := h.asConsumer(consumerID)

	item := func(id string, qty int) map[string]any { return map[string]any{"menu_item_id": id, "quantity": qty} }
	fiftyOne := make([]map[string]any, 51)
	for i := range fiftyOne {
		fiftyOne[i] = item("pizza", 1)
	}
	with := func(edit func(map[string]any)) map[string]any {
		b := orderBody(consumerID, restaurantID)
		edit(b)
		return b
	}

	tests := []struct {
		name   string
		token  string
		body   any
		status int
		slug   string
		code   domain.Code
		fields []domain.FieldError
	}{
		{name: "client-sent price", body: orderBody(consumerID, restaurantID, map[string]any{"menu_item_id": "pizza", "quantity": 1, "price_cents": 1}),
			status: 422, slug: "validation-failed", code: domain.CodeValidationFailed,
			fields: []domain.FieldError{{Field: "*price_cents", Message: "is not a known field"}}},
		{name: "client-sent total", body: with(func(b map[string]any) { b["total_cents"] = 1 }),
			status: 422, slug: "validation-failed", code: domain.CodeValidationFailed,
			fields: []domain.FieldError{{Field: "total_cents", Message: "is not a known field"}}},
		{name: "unknown consumer", token: h.admin(), body: orderBody(uuid.New(), restaurantID),
			status: 404, slug: "consumer-not-found", code: domain.CodeConsumerNotFound},
		{name: "unknown restaurant", body: orderBody(consumerID, uuid.New()),
			status: 404, slug: "restaurant-not-found", code: domain.CodeRestaurantNotFound},
		{name: "closed restaurant", body: orderBody(consumerID, closedID),
			status: 422, slug: "restaurant-closed", code: domain.CodeRestaurantClosed},
		{name: "unknown menu item", body: orderBody(consumerID, restaurantID, item("pizza", 1), item("sushi", 2)),
			status: 422, slug: "menu-item-not-found", code: domain.CodeMenuItemNotFound,
			fields: []domain.FieldError{{Field: "items[1].menu_item_id", Message: `"sushi" is not on the menu`}}},
		{name: "no items", body: with(func(b map[string]any) { b["items"] = []any{} }),
			status: 422, slug: "validation-failed", code: domain.CodeValidationFailed,
			fields: []domain.FieldError{{Field: "items", Message: "must have between 1 and 50 items"}}},
		{name: "items missing", body: with(func(b map[string]any) { delete(b, "items") }),
			status: 422, slug: "validation-failed", code: domain.CodeValidationFailed,
			fields: []domain.FieldError{{Field: "items", Message: "must have between 1 and 50 items"}}},
		{name: "51 items", body: orderBody(consumerID, restaurantID, fiftyOne...),
			status: 422, slug: "validation-failed", code: domain.CodeValidationFailed,
			fields: []domain.FieldError{{Field: "items", Message: "must have between 1 and 50 items"}}},
		{name: "quantity 0", body: orderBody(consumerID, restaurantID, item("pizza", 0)),
			status: 422, slug: "validation-failed", code: domain.CodeValidationFailed,
			fields: []domain.FieldError{{Field: "items[0].quantity", Message: "must be between 1 and 99"}}},
		{name: "quantity 100", body: orderBody(consumerID, restaurantID, item("pizza", 1), item("pasta", 100)),
			status: 422, slug: "validation-failed", code: domain.CodeValidationFailed,
			fields: []domain.FieldError{{Field: "items[1].quantity", Message: "must be between 1 and 99"}}},
		{name: "negative quantity", body: orderBody(consumerID, restaurantID, item("pizza", -1)),
			status: 422, slug: "validation-failed", code: domain.CodeValidationFailed,
			fields: []domain.FieldError{{Field: "items[0].quantity", Message: "must be between 1 and 99"}}},
		{name: "quantity as a string", body: orderBody(consumerID, restaurantID, map[string]any{"menu_item_id": "pizza", "quantity": "2"}),
			status: 422, slug: "validation-failed", code: domain.CodeValidationFailed,
			fields: []domain.FieldError{{Field: "*quantity", Message: "must be of type number"}}},
		{name: "missing delivery address", body: with(func(b map[string]any) { delete(b, "delivery_address") }),
			status: 422, slug: "validation-failed", code: domain.CodeValidationFailed,
			fields: []domain.FieldError{{Field: "delivery_address", Message: "is required"}}},
		{name: "null delivery address", body: with(func(b map[string]any) { b["delivery_address"] = nil }),
			status: 422, slug: "validation-failed", code: domain.CodeValidationFailed,
			fields: []domain.FieldError{{Field: "delivery_address", Message: "is required"}}},
		{name: "empty delivery address", body: with(func(b map[string]any) { b["delivery_address"] = map[string]any{} }),
			status: 422, slug: "validation-failed", code: domain.CodeValidationFailed,
			fields: []domain.FieldError{
				{Field: "delivery_address.street", Message: "is required"},
				{Field: "delivery_address.city", Message: "is required"},
				{Field: "delivery_address.zip", Message: "is required"},
			}},
		{name: "invalid uuids", token: h.admin(), body: with(func(b map[string]any) { b["consumer_id"], b["restaurant_id"] = "ann", uuid.Nil.String() }),
			status: 422, slug: "validation-failed", code: domain.CodeValidationFailed,
			fields: []domain.FieldError{
				{Field: "consumer_id", Message: "must be a uuid"},
				{Field: "restaurant_id", Message: "must be a uuid"},
			}},
		{name: "missing ids", token: h.admin(), body: with(func(b map[string]any) { delete(b, "consumer_id"); delete(b, "restaurant_id") }),
			status: 422, slug: "validation-failed", code: domain.CodeValidationFailed,
			fields: []domain.FieldError{
				{Field: "consumer_id", Message: "is required"},
				{Field: "restaurant_id", Message: "is required"},
			}},
		{name: "for another consumer", token: h.asConsumer(uuid.New()), body: orderBody(consumerID, restaurantID),
			status: 403, slug: "forbidden"},
		{name: "by a restaurant", token: h.asRestaurant(restaurantID), body: orderBody(consumerID, restaurantID),
			status: 403, slug: "forbidden"},
		{name: "malformed JSON", body: `{"consumer_id":`, status: 400, slug: "malformed-request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := tt.token
			if tok == "" {
				tok = token
			}
			h.nothingWritten(func() {
				p := requireProblem(t, h.post("/v1/orders", tok, tt.body), tt.status, tt.slug)
				require.Equal(t, string(tt.code), p.Code)
				if tt.fields != nil {
					requireFields(t, tt.fields, p.Errors)
				}
			})
		})
	}

	// The quantity limit itself is accepted.
	t.Run("quantity 99", func(t *testing.T) {
		got := requireJSON[placedBody](t, h.post("/v1/orders", token, orderBody(consumerID, restaurantID,
			item("pizza", 99), item("pasta", 99), item("tiramisu", 99))), http.StatusAccepted)
		require.Equal(t, int64(99*(1250+900+575)), got.TotalCents)
	})
}

// TestPlaceOrderForASuspendedConsumer: whether the consumer may order is the saga's
// first step, so that the refusal is on the record as a rejected order.
func TestPlaceOrderForASuspendedConsumer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	consumerID, restaurantID := h.newConsumer(), h.newRestaurant()
	_, err := app.Consumers{Store: h.store}.Suspend(context.Background(), "admin:fixture", consumerID, "")
	require.NoError(t, err)
	requireJSON[placedBody](t, h.post("/v1/orders", h.asConsumer(consumerID), orderBody(consumerID, restaurantID)), http.StatusAccepted)
	require.Len(t, h.wf.startCalls(), 1)
}
