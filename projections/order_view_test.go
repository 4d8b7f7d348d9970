package projections_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/projections"
)

func TestOrderViewFollowsAnOrderThroughRevisionShippingAndDelivery(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	id, consumerID, restaurantID := uuid.New(), uuid.New(), uuid.New()
	stream := order.StreamName(id)
	lines := []order.Line{line("pizza", "Pizza", 2, 1250), line("cola", "Cola", 1, 300)}

	v := e.waitOrder(id, e.append(stream, orderCreated(id, consumerID, restaurantID, lines...)))
	require.Equal(t, order.StatusApprovalPending, v.Status)
	require.Equal(t, consumerID, v.ConsumerID)
	require.Equal(t, restaurantID, v.RestaurantID)
	require.Equal(t, []projections.OrderItem{
		{MenuItemID: "pizza", Name: "Pizza", Quantity: 2, UnitPriceCents: 1250, TotalCents: 2500},
		{MenuItemID: "cola", Name: "Cola", Quantity: 1, UnitPriceCents: 300, TotalCents: 300},
	}, v.Items)
	require.Equal(t, int64(2800), v.TotalCents)
	require.Equal(t, "USD", v.Currency)
	require.Equal(t, address, v.DeliveryAddress)
	require.Empty(t, v.RejectionReason)
	require.Equal(t, v.CreatedAt, v.UpdatedAt)
	e.requireOrderMatchesAggregate(v)
	createdAt := v.CreatedAt

	v = e.waitOrder(id, e.append(stream, order.OrderApproved{OrderID: id}))
	require.Equal(t, order.StatusApproved, v.Status)
	require.Equal(t, createdAt, v.CreatedAt, "created_at is the creation's, whatever came after")
	require.True(t, v.UpdatedAt.After(createdAt))
	e.requireOrderMatchesAggregate(v)

	// A proposed revision is shown beside the lines in force, which do not change yet.
	revised := []order.Line{line("pizza", "Pizza", 3, 1250)}
	v = e.waitOrder(id, e.append(stream, order.OrderRevisionProposed{OrderID: id, Lines: revised, Total: total(revised...)}))
	require.Equal(t, order.StatusRevisionPending, v.Status)
	require.Equal(t, &projections.PendingRevision{
		Items:      []projections.OrderItem{{MenuItemID: "pizza", Name: "Pizza", Quantity: 3, UnitPriceCents: 1250, TotalCents: 3750}},
		TotalCents: 3750,
	}, v.PendingRevision)
	require.Equal(t, int64(2800), v.TotalCents)
	require.Len(t, v.Items, 2)
	e.requireOrderMatchesAggregate(v)

	// Once applied, the revision becomes the order's lines and total.
	v = e.waitOrder(id, e.append(stream, order.OrderRevised{OrderID: id, Lines: revised, Total: total(revised...)}))
	require.Equal(t, order.StatusApproved, v.Status)
	require.Nil(t, v.PendingRevision)
	require.Equal(t, int64(3750), v.TotalCents)
	require.Equal(t, itemsOf(revised), v.Items)
	e.requireOrderMatchesAggregate(v)

	// A rejected revision leaves the lines as they were.
	again := []order.Line{line("pizza", "Pizza", 9, 1250)}
	e.append(stream, order.OrderRevisionProposed{OrderID: id, Lines: again, Total: total(again...)})
	v = e.waitOrder(id, e.append(stream, order.OrderRevisionRejected{OrderID: id, Reason: domain.CodeInsufficientCredit}))
	require.Equal(t, order.StatusApproved, v.Status)
	require.Nil(t, v.PendingRevision)
	require.Equal(t, int64(3750), v.TotalCents)
	require.Empty(t, v.RejectionReason, "a refused revision does not reject the order")
	e.requireOrderMatchesAggregate(v)

	v = e.waitOrder(id, e.append(stream, order.OrderShipped{OrderID: id}))
	require.Equal(t, order.StatusShipped, v.Status)
	v = e.waitOrder(id, e.append(stream, order.OrderDelivered{OrderID: id}))
	require.Equal(t, order.StatusDelivered, v.Status)
	require.Equal(t, int64(8), v.Version)
	e.requireOrderMatchesAggregate(v)
}

func TestOrderViewShowsTheRejectionReason(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	id := uuid.New()
	stream := order.StreamName(id)
	e.append(stream, orderCreated(id, uuid.New(), uuid.New()))
	v := e.waitOrder(id, e.append(stream, order.OrderRejected{OrderID: id, Reason: domain.CodeInsufficientCredit,
		Detail: "amount exceeds available credit"}))

	require.Equal(t, order.StatusRejected, v.Status)
	require.Equal(t, projections.NullableString("INSUFFICIENT_CREDIT"), v.RejectionReason)
	require.Equal(t, "amount exceeds available credit", v.RejectionDetail)
	e.requireOrderMatchesAggregate(v)

	doc := jsonObject(t, v)
	require.Equal(t, "INSUFFICIENT_CREDIT", doc["rejection_reason"])
	require.Equal(t, "REJECTED", doc["status"])
}

func TestOrderViewFollowsCancellation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	id := uuid.New()
	stream := order.StreamName(id)
	e.append(stream, orderCreated(id, uuid.New(), uuid.New()), order.OrderApproved{OrderID: id})

	v := e.waitOrder(id, e.append(stream, order.OrderCancelRequested{OrderID: id}))
	require.Equal(t, order.StatusCancelPending, v.Status)
	e.requireOrderMatchesAggregate(v)

	// A cancel that could not be carried out releases the lock.
	v = e.waitOrder(id, e.append(stream, order.OrderCancelRejected{OrderID: id, Reason: domain.CodeTicketAlreadyPickedUp}))
	require.Equal(t, order.StatusApproved, v.Status)
	e.requireOrderMatchesAggregate(v)

	e.append(stream, order.OrderCancelRequested{OrderID: id})
	v = e.waitOrder(id, e.append(stream, order.OrderCanceled{OrderID: id, Reason: "changed my mind"}))
	require.Equal(t, order.StatusCanceled, v.Status)
	require.Equal(t, "changed my mind", v.CancelReason)
	require.Empty(t, v.RejectionReason)
	e.requireOrderMatchesAggregate(v)
}

// The fields of GET /v1/orders/:id, as the HTTP contract (api/openapi.yaml) lists
// them, with null for a reason that does not apply.
func TestOrderViewJSONHasTheContractFields(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	id := uuid.New()
	v := e.waitOrder(id, e.append(order.StreamName(id), orderCreated(id, uuid.New(), uuid.New())))

	doc := jsonObject(t, v)
	for _, field := range []string{"id", "status", "consumer_id", "restaurant_id", "items", "total_cents",
		"currency", "rejection_reason", "version", "updated_at"} {
		require.Contains(t, doc, field)
	}
	require.Nil(t, doc["rejection_reason"])
	require.Equal(t, id.String(), doc["id"])
	require.Equal(t, "APPROVAL_PENDING", doc["status"])
	require.EqualValues(t, 1, doc["version"])
	require.Len(t, doc["items"], 2)
}

func TestGetOrderOfAnUnknownOrderIsNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, err := e.q.GetOrder(context.Background(), uuid.New())
	requireErrorIsAll(t, err, projections.ErrNotFound, domain.ErrOrderNotFound)
}

func jsonObject(t *testing.T, v any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc))
	return doc
}
