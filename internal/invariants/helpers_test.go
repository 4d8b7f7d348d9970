package invariants_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/domain/registry"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/invariants"
	"github.com/orderflow/orderflow/internal/pgtest"
)

// world is a fresh store with one consumer whose account is open. Its helpers append
// domain events as they are, without the domain's decisions, so that tests can write
// the broken histories the rules must catch.
type world struct {
	t        *testing.T
	st       aggregate.Store
	schema   pgtest.Schema
	consumer uuid.UUID
}

func newWorld(t *testing.T, creditLimit int64) *world {
	t.Helper()
	schema := pgtest.NewSchema(t, eventstore.Migrations)
	events := eventstore.New(schema.Pool, eventstore.WithChannel(schema.Name))
	t.Cleanup(events.Close)
	w := &world{t: t, st: aggregate.Store{Events: events, Registry: registry.New()}, schema: schema, consumer: uuid.New()}
	w.account(accounting.AccountOpened{ConsumerID: w.consumer, CreditLimit: eur(creditLimit), CardLast4: "4242"})
	return w
}

func eur(cents int64) money.Money { return money.MustNew(cents, "EUR") }

// The order every test places: 2 burgers at 5.00 and 1 fries at 3.00.
var (
	orderLines = []order.Line{
		{MenuItemID: "burger", Name: "Burger", Quantity: 2, UnitPrice: eur(500), Total: eur(1000)},
		{MenuItemID: "fries", Name: "Fries", Quantity: 1, UnitPrice: eur(300), Total: eur(300)},
	}
	orderTotal  = eur(1300)
	ticketLines = []kitchen.Line{{MenuItemID: "burger", Name: "Burger", Quantity: 2}, {MenuItemID: "fries", Name: "Fries", Quantity: 1}}
)

func (w *world) emit(stream string, events ...event.Event) {
	w.t.Helper()
	data := make([]eventstore.EventData, len(events))
	for i, e := range events {
		raw, err := w.st.Registry.Encode(e)
		require.NoError(w.t, err)
		data[i] = eventstore.EventData{ID: uuid.New(), Type: e.EventType(), SchemaVersion: e.SchemaVersion(), Data: raw}
	}
	_, err := w.st.Events.Append(context.Background(), stream, eventstore.Any(), data...)
	require.NoError(w.t, err)
}

func (w *world) order(id uuid.UUID, events ...event.Event) { w.emit(order.StreamName(id), events...) }
func (w *world) ticket(id uuid.UUID, events ...event.Event) {
	w.emit(kitchen.StreamName(id), events...)
}
func (w *world) account(events ...event.Event) { w.emit(accounting.StreamName(w.consumer), events...) }

func (w *world) created(id uuid.UUID) order.OrderCreated {
	return order.OrderCreated{OrderID: id, ConsumerID: w.consumer, RestaurantID: restaurantID, Lines: orderLines,
		Total: orderTotal, DeliveryAddress: order.Address{Street: "1 Main St", City: "Springfield", Zip: "12345"}}
}

var restaurantID = uuid.MustParse("9a7b1c3e-0000-4000-8000-000000000001")

func ticketCreated(id uuid.UUID) kitchen.TicketCreated {
	return kitchen.TicketCreated{TicketID: id, OrderID: id, RestaurantID: restaurantID, Lines: ticketLines}
}

func (w *world) authorized(id uuid.UUID, amount money.Money) accounting.CreditCardAuthorized {
	return accounting.CreditCardAuthorized{ConsumerID: w.consumer, OrderID: id, Amount: amount}
}

func (w *world) reversed(id uuid.UUID, amount money.Money) accounting.CardTransactionReversed {
	return accounting.CardTransactionReversed{ConsumerID: w.consumer, OrderID: id, Amount: amount}
}

// approved writes the streams of an order the create saga approved.
func (w *world) approved() uuid.UUID {
	id := uuid.New()
	w.order(id, w.created(id), order.OrderApproved{OrderID: id})
	w.ticket(id, ticketCreated(id), kitchen.TicketAccepted{TicketID: id})
	w.account(w.authorized(id, orderTotal))
	return id
}

// rejectedByRestaurant writes the streams of an order the restaurant turned down.
func (w *world) rejectedByRestaurant() uuid.UUID {
	id := uuid.New()
	w.order(id, w.created(id), order.OrderRejected{OrderID: id, Reason: domain.CodeRestaurantRejected, Detail: "closed early"})
	w.ticket(id, ticketCreated(id), kitchen.TicketRejected{TicketID: id, Reason: "closed early"})
	w.account(w.authorized(id, orderTotal), w.reversed(id, orderTotal))
	return id
}

// canceledAfterApproval writes the streams the cancel saga leaves.
func (w *world) canceledAfterApproval() uuid.UUID {
	id := uuid.New()
	w.order(id, w.created(id), order.OrderApproved{OrderID: id}, order.OrderCancelRequested{OrderID: id},
		order.OrderCanceled{OrderID: id, Reason: "changed my mind"})
	w.ticket(id, ticketCreated(id), kitchen.TicketAccepted{TicketID: id}, kitchen.TicketCanceled{TicketID: id, Reason: "order canceled"})
	w.account(w.authorized(id, orderTotal), w.reversed(id, orderTotal))
	return id
}

func (w *world) load(id uuid.UUID) invariants.Order {
	w.t.Helper()
	o, err := invariants.Load(context.Background(), w.st, id)
	require.NoError(w.t, err)
	return o
}

// check loads an order and checks it as part of a settled system.
func (w *world) check(id uuid.UUID) []invariants.Violation {
	w.t.Helper()
	return invariants.Check(w.load(id), invariants.Options{Settled: true})
}

var settled = invariants.Options{Settled: true}

func rules(vs []invariants.Violation) []invariants.Rule {
	out := []invariants.Rule{}
	for _, v := range vs {
		out = append(out, v.Rule)
	}
	return out
}

// requireOnly asserts that vs is exactly one violation of rule about order id.
func requireOnly(t *testing.T, vs []invariants.Violation, rule invariants.Rule, id uuid.UUID) invariants.Violation {
	t.Helper()
	require.Equal(t, []invariants.Rule{rule}, rules(vs), "violations: %v", vs)
	require.Equal(t, id, vs[0].OrderID)
	return vs[0]
}
