package api

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/consumer"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/domain/restaurant"
	"github.com/orderflow/orderflow/projections"
)

// The read models are served as the generated types of api/openapi.yaml: each mapping
// writes the same JSON document as the read model's own tags, with every member set and
// with every optional one left out, so that a field the read model gains without the
// mapping is caught here.
func TestResponsesCarryTheReadModels(t *testing.T) {
	now := time.Date(2026, 12, 2, 15, 4, 5, 123456789, time.UTC)
	items := []projections.OrderItem{{MenuItemID: "pizza", Name: "Pizza", Quantity: 2, UnitPriceCents: 950, TotalCents: 1900}}
	fullOrder := projections.OrderView{ID: uuid.New(), Status: order.StatusNeedsAttention, ConsumerID: uuid.New(),
		RestaurantID: uuid.New(), Items: items, TotalCents: 1900, Currency: "EUR",
		RejectionReason: "INSUFFICIENT_CREDIT", Version: 7, UpdatedAt: now, RejectionDetail: "over the limit",
		CancelReason: "changed my mind", PendingRevision: &projections.PendingRevision{Items: items, TotalCents: 1900},
		LastRefusal: &order.ChangeRefusal{Change: "cancel", Reason: domain.CodeTicketAlreadyPickedUp, Detail: "gone"},
		Attention: &order.Attention{Was: order.StatusApproved, Saga: "cancel", Step: "reverse card",
			Reason: domain.CodeServiceUnavailable, Detail: "down"},
		DeliveryAddress: order.Address{Street: "1 Main St", City: "Springfield", Zip: "12345"}, CreatedAt: now.Add(-time.Hour)}
	bareOrder := projections.OrderView{ID: uuid.New(), Status: order.StatusApprovalPending, Items: items,
		Currency: "EUR", UpdatedAt: now, CreatedAt: now}
	fullTicket := projections.TicketView{ID: uuid.New(), OrderID: uuid.New(), RestaurantID: uuid.New(),
		Status: kitchen.StatusRejected, Items: []projections.TicketItem{{MenuItemID: "pizza", Name: "Pizza", Quantity: 2}},
		RejectReason: "no dough", CancelReason: "withdrawn", Version: 3, CreatedAt: now, UpdatedAt: now}
	restaurantView := projections.RestaurantView{ID: uuid.New(), Name: "Luigi's", Status: restaurant.StatusOpen,
		Currency: "EUR", AutoAccept: true, AcceptanceTimeoutSeconds: 300,
		Menu:    []projections.MenuItem{{ID: "pizza", Name: "Pizza", PriceCents: 950, Currency: "EUR"}},
		Version: 2, CreatedAt: now, UpdatedAt: now}
	fullConsumer := projections.ConsumerWithAccount{
		ConsumerView: projections.ConsumerView{ID: uuid.New(), Name: "Ann", Email: "ann@example.com",
			Status: consumer.StatusSuspended, SuspendedReason: "fraud", Version: 4, CreatedAt: now, UpdatedAt: now},
		Account: projections.AccountView{Currency: "EUR", CreditLimitCents: 5000, HeldCents: 1900, AvailableCents: 3100,
			Authorizations: []projections.Authorization{{OrderID: uuid.New(), AmountCents: 1900}}, CardLast4: "4242",
			DisabledReason: "chargeback", Version: 5, CreatedAt: now, UpdatedAt: now}}
	bareConsumer := projections.ConsumerWithAccount{
		ConsumerView: projections.ConsumerView{ID: uuid.New(), Name: "Bo", Email: "bo@example.com", Status: consumer.StatusActive},
		Account:      projections.AccountView{Currency: "EUR", Authorizations: []projections.Authorization{}, Enabled: true}}

	for name, tc := range map[string]struct{ view, response any }{
		"order":               {fullOrder, toOrderView(fullOrder)},
		"order, bare":         {bareOrder, toOrderView(bareOrder)},
		"ticket":              {fullTicket, toTicketView(fullTicket)},
		"ticket, bare":        {projections.TicketView{Items: []projections.TicketItem{}}, toTicketView(projections.TicketView{})},
		"restaurant":          {restaurantView, toRestaurantView(restaurantView)},
		"consumer":            {fullConsumer, toConsumerWithAccount(fullConsumer)},
		"consumer, bare":      {bareConsumer, toConsumerWithAccount(bareConsumer)},
		"order, no items yet": {projections.OrderView{Items: []projections.OrderItem{}}, toOrderView(projections.OrderView{})},
	} {
		t.Run(name, func(t *testing.T) {
			want, err := json.Marshal(tc.view)
			require.NoError(t, err)
			got, err := json.Marshal(tc.response)
			require.NoError(t, err)
			require.JSONEq(t, string(want), string(got))
		})
	}
}
