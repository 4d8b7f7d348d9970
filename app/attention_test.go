package app_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/app"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/domain/registry"
	"github.com/orderflow/orderflow/internal/invariants"
	"github.com/orderflow/orderflow/internal/storetest"
)

// stuck writes the streams of an order whose cancel saga stopped after withdrawing
// nothing: approved, the card held, the ticket accepted, then NEEDS_ATTENTION.
func stuck(t *testing.T, ticket ...func(kitchen.State) ([]event.Event, error)) (aggregate.Store, uuid.UUID) {
	t.Parallel()
	events, _ := storetest.New(t)
	st := aggregate.Store{Events: events, Registry: registry.New()}
	ctx := context.Background()
	consumerID, orderID := uuid.New(), uuid.New()
	total := money.Money{Cents: 1_800, Currency: "EUR"}
	_, err := app.Consumers{Store: st}.Register(ctx, "admin:test", app.RegisterConsumer{ID: consumerID, Name: "Ada",
		Email: "ada@example.com", CreditLimit: money.Money{Cents: 10_000, Currency: "EUR"}, CardLast4: "4242"})
	require.NoError(t, err)
	lines := []order.Line{{MenuItemID: "pho", Name: "Pho", Quantity: 2, UnitPrice: money.Money{Cents: 900, Currency: "EUR"}, Total: total}}
	run := func(stream string, decide func() ([]event.Event, error)) {
		evs, err := decide()
		require.NoError(t, err)
		storetest.Append(t, events, stream, evs...)
	}
	run(order.StreamName(orderID), func() ([]event.Event, error) {
		return []event.Event{
			order.OrderCreated{OrderID: orderID, ConsumerID: consumerID, RestaurantID: uuid.New(), Lines: lines, Total: total,
				DeliveryAddress: order.Address{Street: "1 Main St", City: "Springfield", Zip: "12345"}},
			order.OrderApproved{OrderID: orderID},
			order.OrderCancelRequested{OrderID: orderID},
			order.OrderAttentionRequired{OrderID: orderID, Status: order.StatusCancelPending, Saga: "CancelOrder",
				Step: "CancelTicket", Reason: domain.CodeServiceUnavailable, Detail: "injected"},
		}, nil
	})
	run(accounting.StreamName(consumerID), func() ([]event.Event, error) {
		return []event.Event{accounting.CreditCardAuthorized{ConsumerID: consumerID, OrderID: orderID, Amount: total}}, nil
	})
	steps := append([]func(kitchen.State) ([]event.Event, error){
		func(kitchen.State) ([]event.Event, error) {
			return kitchen.Create(kitchen.State{}, kitchen.CreateCommand{OrderID: orderID, RestaurantID: uuid.New(),
				Lines: []kitchen.Line{{MenuItemID: "pho", Name: "Pho", Quantity: 2}}})
		}, kitchen.Accept}, ticket...)
	for _, decide := range steps {
		_, err := aggregate.Execute(ctx, st, aggregate.Command[kitchen.State]{Stream: kitchen.StreamName(orderID),
			Apply: (*kitchen.State).Apply, Decide: decide})
		require.NoError(t, err)
	}
	return st, orderID
}

// Resolving to CANCELED releases the hold and withdraws the ticket, then records the
// operator's resolution: the streams agree again.
func TestResolvingAnOrderToCanceledReleasesWhatItHeld(t *testing.T) {
	st, id := stuck(t)
	s, err := app.OrderCommands{Store: st}.ResolveAttention(context.Background(), "operator:ops", id, order.StatusCanceled, "refunded, kitchen told")
	require.NoError(t, err)
	require.Equal(t, order.StatusCanceled, s.Status)
	o, err := invariants.Load(context.Background(), st, id)
	require.NoError(t, err)
	require.Empty(t, invariants.Check(o, invariants.Options{Settled: true}))
	require.Equal(t, kitchen.StatusCanceled, o.Ticket.Status)
}

// Food already picked up cannot be withdrawn: resolving to CANCELED is refused and the
// order stays NEEDS_ATTENTION, for the operator to resolve it as SHIPPED.
func TestResolvingToCanceledAfterThePickupIsRefused(t *testing.T) {
	st, id := stuck(t, kitchen.StartPreparing, kitchen.MarkReady, kitchen.PickUp)
	orders := app.OrderCommands{Store: st}
	_, err := orders.ResolveAttention(context.Background(), "operator:ops", id, order.StatusCanceled, "refund")
	require.ErrorIs(t, err, domain.ErrTicketAlreadyPickedUp)
	s, _, err := orders.Get(context.Background(), id)
	require.NoError(t, err)
	require.Equal(t, order.StatusNeedsAttention, s.Status)

	s, err = orders.ResolveAttention(context.Background(), "operator:ops", id, order.StatusShipped, "the courier had it")
	require.NoError(t, err)
	require.Equal(t, order.StatusShipped, s.Status)
}

// TestARefusedResolutionWritesNothing: resolving to CANCELED after the pickup is
// refused as a whole: the card hold is not released either (it used to be, leaving a
// SHIPPED order without its authorization once the operator resolved it so).
func TestARefusedResolutionWritesNothing(t *testing.T) {
	st, id := stuck(t, kitchen.StartPreparing, kitchen.MarkReady, kitchen.PickUp)
	orders := app.OrderCommands{Store: st}
	before, err := invariants.Load(context.Background(), st, id)
	require.NoError(t, err)

	_, err = orders.ResolveAttention(context.Background(), "operator:ops", id, order.StatusCanceled, "refund")
	require.ErrorIs(t, err, domain.ErrTicketAlreadyPickedUp)
	after, err := invariants.Load(context.Background(), st, id)
	require.NoError(t, err)
	require.Equal(t, before.AccountVersion, after.AccountVersion, "the refused resolution released the card hold")
	require.Zero(t, after.Reversals)

	_, err = orders.ResolveAttention(context.Background(), "operator:ops", id, order.StatusShipped, "the courier had it")
	require.NoError(t, err)
	shipped, err := invariants.Load(context.Background(), st, id)
	require.NoError(t, err)
	require.Empty(t, invariants.Check(shipped, invariants.Options{Settled: true}))
}

func TestOnlyStableStatusesResolveAnOrder(t *testing.T) {
	st, id := stuck(t)
	_, err := app.OrderCommands{Store: st}.ResolveAttention(context.Background(), "operator:ops", id, order.StatusCancelPending, "x")
	require.ErrorIs(t, err, domain.ErrValidation)
}
