package projections_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/consumer"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/domain/registry"
	"github.com/orderflow/orderflow/domain/restaurant"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/pgtest"
	"github.com/orderflow/orderflow/projections"
)

// env is one test's world: a fresh schema with the event store and the read models,
// a store on its own notification channel, and the queries.
type env struct {
	t      *testing.T
	schema pgtest.Schema
	store  *eventstore.Store
	reg    *event.Registry
	q      projections.Queries
}

func newEnv(t *testing.T) *env {
	t.Helper()
	schema := pgtest.NewSchema(t, eventstore.Migrations, projections.Migrations)
	store := eventstore.New(schema.Pool, eventstore.WithChannel(schema.Name))
	t.Cleanup(store.Close)
	return &env{t: t, schema: schema, store: store, reg: registry.New(), q: projections.Queries{Pool: schema.Pool}}
}

// runProjector runs every projection until the test ends or stop is called; stop
// waits for it and checks it ended only because it was told to.
func (e *env) runProjector() (stop func()) {
	return e.runProjectorWith(projections.Projector{Store: e.store})
}

// runProjectorWith is runProjector with p's settings (a newer build's registry, a
// failure callback).
func (e *env) runProjectorWith(p projections.Projector) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			require.ErrorIs(e.t, err, context.Canceled)
		case <-time.After(10 * time.Second):
			e.t.Fatal("projector did not stop")
		}
	}
	e.t.Cleanup(stop)
	return stop
}

// waitCaughtUp waits until every projection has applied every committed event.
func (e *env) waitCaughtUp() {
	e.t.Helper()
	require.EventuallyWithT(e.t, func(c *assert.CollectT) {
		for _, name := range projections.Names() {
			lag, err := projections.Lag(context.Background(), e.schema.Pool, name)
			require.NoError(c, err)
			require.Zerof(c, lag, "%s is behind", name)
		}
	}, 15*time.Second, 10*time.Millisecond)
}

// append encodes domain events the way the aggregates do and appends them to stream,
// returning the stream's new version.
func (e *env) append(stream string, events ...event.Event) int64 {
	e.t.Helper()
	data := make([]eventstore.EventData, len(events))
	for i, ev := range events {
		raw, err := e.reg.Encode(ev)
		require.NoError(e.t, err)
		data[i] = eventstore.EventData{ID: uuid.New(), Type: ev.EventType(), SchemaVersion: ev.SchemaVersion(),
			Data: raw, Metadata: eventstore.Metadata{User: "tester", CorrelationID: stream}}
	}
	res, err := e.store.Append(context.Background(), stream, eventstore.Any(), data...)
	require.NoError(e.t, err)
	return res.StreamVersion
}

// stream reads a stream back, as recorded.
func (e *env) stream(name string) []eventstore.RecordedEvent {
	e.t.Helper()
	recorded, err := e.store.ReadStream(context.Background(), name, eventstore.ReadOptions{})
	require.NoError(e.t, err)
	return recorded
}

// decoded reads a stream back as domain events.
func (e *env) decoded(name string) []event.Event {
	e.t.Helper()
	var out []event.Event
	for _, r := range e.stream(name) {
		ev, err := e.reg.Decode(r.Type, r.SchemaVersion, r.Data)
		require.NoError(e.t, err)
		out = append(out, ev)
	}
	return out
}

// waitOrder waits for an order's view to reach version and fails the test otherwise.
func (e *env) waitOrder(id uuid.UUID, version int64) projections.OrderView {
	e.t.Helper()
	v, err := e.q.WaitForOrderVersion(context.Background(), id, version, projections.MaxWait)
	require.NoError(e.t, err)
	require.Equal(e.t, version, v.Version, "the view did not reach the version in time")
	return v
}

// waitTicket waits for a ticket's view to reach version.
func (e *env) waitTicket(id uuid.UUID, version int64) projections.TicketView {
	e.t.Helper()
	var v projections.TicketView
	require.EventuallyWithT(e.t, func(c *assert.CollectT) {
		var err error
		v, err = e.q.GetTicket(context.Background(), id)
		require.NoError(c, err)
		require.Equal(c, version, v.Version)
	}, 15*time.Second, 5*time.Millisecond)
	return v
}

// requireOrderMatchesAggregate checks a view against the order folded from its whole
// stream by the domain (the write side's truth), and its version and timestamps
// against the stream's events.
func (e *env) requireOrderMatchesAggregate(v projections.OrderView) {
	e.t.Helper()
	recorded := e.stream(order.StreamName(v.ID))
	s := order.Fold(e.decoded(order.StreamName(v.ID))...)
	require.Equal(e.t, s.Status, v.Status)
	require.Equal(e.t, s.ConsumerID, v.ConsumerID)
	require.Equal(e.t, s.RestaurantID, v.RestaurantID)
	require.Equal(e.t, s.Total.Cents, v.TotalCents)
	require.Equal(e.t, s.Total.Currency, v.Currency)
	require.Equal(e.t, itemsOf(s.Lines), v.Items)
	require.Equal(e.t, string(s.RejectionReason), string(v.RejectionReason))
	require.Equal(e.t, s.RejectionDetail, v.RejectionDetail)
	require.Equal(e.t, s.CancelReason, v.CancelReason)
	require.Equal(e.t, s.DeliveryAddress, v.DeliveryAddress)
	if s.PendingRevision == nil {
		require.Nil(e.t, v.PendingRevision)
	} else {
		require.NotNil(e.t, v.PendingRevision)
		require.Equal(e.t, itemsOf(s.PendingRevision.Lines), v.PendingRevision.Items)
		require.Equal(e.t, s.PendingRevision.Total.Cents, v.PendingRevision.TotalCents)
	}
	require.Equal(e.t, recorded[len(recorded)-1].StreamPosition, v.Version)
	require.Equal(e.t, recorded[0].Metadata.RecordedAt.UTC(), v.CreatedAt)
	require.Equal(e.t, recorded[len(recorded)-1].Metadata.RecordedAt.UTC(), v.UpdatedAt)
}

// requireTicketMatchesAggregate is requireOrderMatchesAggregate for tickets.
func (e *env) requireTicketMatchesAggregate(v projections.TicketView) {
	e.t.Helper()
	recorded := e.stream(kitchen.StreamName(v.ID))
	s := kitchen.Fold(e.decoded(kitchen.StreamName(v.ID))...)
	require.Equal(e.t, s.Status, v.Status)
	require.Equal(e.t, s.OrderID, v.OrderID)
	require.Equal(e.t, s.RestaurantID, v.RestaurantID)
	require.Equal(e.t, s.RejectReason, string(v.RejectReason))
	require.Equal(e.t, s.CancelReason, string(v.CancelReason))
	require.Len(e.t, v.Items, len(s.Lines))
	for i, l := range s.Lines {
		require.Equal(e.t, projections.TicketItem{MenuItemID: l.MenuItemID, Name: l.Name, Quantity: l.Quantity}, v.Items[i])
	}
	require.Equal(e.t, recorded[len(recorded)-1].StreamPosition, v.Version)
	require.Equal(e.t, recorded[0].Metadata.RecordedAt.UTC(), v.CreatedAt)
	require.Equal(e.t, recorded[len(recorded)-1].Metadata.RecordedAt.UTC(), v.UpdatedAt)
}

func itemsOf(lines []order.Line) []projections.OrderItem {
	items := make([]projections.OrderItem, len(lines))
	for i, l := range lines {
		items[i] = projections.OrderItem{MenuItemID: l.MenuItemID, Name: l.Name, Quantity: l.Quantity,
			UnitPriceCents: l.UnitPrice.Cents, TotalCents: l.Total.Cents}
	}
	return items
}

// allOrders is every row of order_view, by id, through the public query.
func (e *env) allOrders() []projections.OrderView {
	e.t.Helper()
	var out []projections.OrderView
	for _, id := range e.ids(`select order_id from order_view order by order_id`) {
		v, err := e.q.GetOrder(context.Background(), id)
		require.NoError(e.t, err)
		out = append(out, v)
	}
	return out
}

// allTickets is every row of kitchen_ticket_queue, by id.
func (e *env) allTickets() []projections.TicketView {
	e.t.Helper()
	var out []projections.TicketView
	for _, id := range e.ids(`select ticket_id from kitchen_ticket_queue order by ticket_id`) {
		v, err := e.q.GetTicket(context.Background(), id)
		require.NoError(e.t, err)
		out = append(out, v)
	}
	return out
}

func (e *env) ids(query string) []uuid.UUID {
	e.t.Helper()
	rows, err := e.schema.Pool.Query(context.Background(), query)
	require.NoError(e.t, err)
	var ids []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		require.NoError(e.t, rows.Scan(&id))
		ids = append(ids, id)
	}
	require.NoError(e.t, rows.Err())
	return ids
}

// waitRestaurant waits for a restaurant's view to reach version.
func (e *env) waitRestaurant(id uuid.UUID, version int64) projections.RestaurantView {
	e.t.Helper()
	var v projections.RestaurantView
	require.EventuallyWithT(e.t, func(c *assert.CollectT) {
		var err error
		v, err = e.q.GetRestaurant(context.Background(), id)
		require.NoError(c, err)
		require.Equal(c, version, v.Version)
	}, 15*time.Second, 5*time.Millisecond)
	return v
}

// waitConsumer waits for a consumer's view to reach consumerVersion and their
// account's to reach accountVersion.
func (e *env) waitConsumer(id uuid.UUID, consumerVersion, accountVersion int64) projections.ConsumerWithAccount {
	e.t.Helper()
	var v projections.ConsumerWithAccount
	require.EventuallyWithT(e.t, func(c *assert.CollectT) {
		var err error
		v, err = e.q.GetConsumer(context.Background(), id)
		require.NoError(c, err)
		require.Equal(c, consumerVersion, v.Version)
		require.Equal(c, accountVersion, v.Account.Version)
	}, 15*time.Second, 5*time.Millisecond)
	return v
}

// requireRestaurantMatchesAggregate is requireOrderMatchesAggregate for restaurants.
func (e *env) requireRestaurantMatchesAggregate(v projections.RestaurantView) {
	e.t.Helper()
	recorded := e.stream(restaurant.StreamName(v.ID))
	s := restaurant.Fold(e.decoded(restaurant.StreamName(v.ID))...)
	require.Equal(e.t, s.ID, v.ID)
	require.Equal(e.t, s.Name, v.Name)
	require.Equal(e.t, s.Status(), v.Status)
	require.Equal(e.t, s.Currency(), v.Currency)
	require.Equal(e.t, s.AutoAccept, v.AutoAccept)
	require.Equal(e.t, s.AcceptanceTimeoutSeconds, v.AcceptanceTimeoutSeconds)
	require.Len(e.t, v.Menu, len(s.Menu))
	for i, m := range s.Menu {
		require.Equal(e.t, projections.MenuItem{ID: m.ID, Name: m.Name, PriceCents: m.Price.Cents, Currency: m.Price.Currency}, v.Menu[i])
	}
	require.Equal(e.t, recorded[len(recorded)-1].StreamPosition, v.Version)
	require.Equal(e.t, recorded[0].Metadata.RecordedAt.UTC(), v.CreatedAt)
	require.Equal(e.t, recorded[len(recorded)-1].Metadata.RecordedAt.UTC(), v.UpdatedAt)
}

// requireConsumerMatchesAggregates checks a consumer's view against the consumer and
// the account folded from their whole streams by the domain.
func (e *env) requireConsumerMatchesAggregates(v projections.ConsumerWithAccount) {
	e.t.Helper()
	c := consumer.Fold(e.decoded(consumer.StreamName(v.ID))...)
	require.Equal(e.t, c.ID, v.ID)
	require.Equal(e.t, c.Name, v.Name)
	require.Equal(e.t, c.Email, v.Email)
	require.Equal(e.t, c.Status, v.Status)
	require.Equal(e.t, c.SuspendedReason, v.SuspendedReason)
	recorded := e.stream(consumer.StreamName(v.ID))
	require.Equal(e.t, recorded[len(recorded)-1].StreamPosition, v.Version)
	require.Equal(e.t, recorded[0].Metadata.RecordedAt.UTC(), v.CreatedAt)
	require.Equal(e.t, recorded[len(recorded)-1].Metadata.RecordedAt.UTC(), v.UpdatedAt)

	a := accounting.Fold(e.decoded(accounting.StreamName(v.ID))...)
	require.Equal(e.t, a.ConsumerID, v.Account.ConsumerID)
	require.Equal(e.t, a.CreditLimit.Currency, v.Account.Currency)
	require.Equal(e.t, a.CreditLimit.Cents, v.Account.CreditLimitCents)
	require.Equal(e.t, a.Held().Cents, v.Account.HeldCents)
	require.Equal(e.t, a.Available().Cents, v.Account.AvailableCents)
	require.Equal(e.t, v.Account.CreditLimitCents-v.Account.HeldCents, v.Account.AvailableCents)
	holds := map[uuid.UUID]money.Money{}
	for _, auth := range v.Account.Authorizations {
		holds[auth.OrderID] = money.Money{Cents: auth.AmountCents, Currency: v.Account.Currency}
	}
	require.Equal(e.t, len(a.Holds), len(holds))
	for orderID, amount := range a.Holds {
		require.Equal(e.t, amount, holds[orderID], "the hold of order %s", orderID)
	}
	require.Equal(e.t, a.CardLast4, v.Account.CardLast4)
	require.Equal(e.t, a.Enabled, v.Account.Enabled)
	require.Equal(e.t, a.DisabledReason, v.Account.DisabledReason)
	recorded = e.stream(accounting.StreamName(v.ID))
	require.Equal(e.t, recorded[len(recorded)-1].StreamPosition, v.Account.Version)
	require.Equal(e.t, recorded[0].Metadata.RecordedAt.UTC(), v.Account.CreatedAt)
	require.Equal(e.t, recorded[len(recorded)-1].Metadata.RecordedAt.UTC(), v.Account.UpdatedAt)
}

// allRestaurants is every row of restaurant_view, by id.
func (e *env) allRestaurants() []projections.RestaurantView {
	e.t.Helper()
	var out []projections.RestaurantView
	for _, id := range e.ids(`select restaurant_id from restaurant_view order by restaurant_id`) {
		v, err := e.q.GetRestaurant(context.Background(), id)
		require.NoError(e.t, err)
		out = append(out, v)
	}
	return out
}

// allConsumers is every consumer with their account, by id.
func (e *env) allConsumers() []projections.ConsumerWithAccount {
	e.t.Helper()
	var out []projections.ConsumerWithAccount
	for _, id := range e.ids(`select consumer_id from consumer_view order by consumer_id`) {
		v, err := e.q.GetConsumer(context.Background(), id)
		require.NoError(e.t, err)
		out = append(out, v)
	}
	return out
}

// Domain events with plausible content.

var address = order.Address{Street: "1 Main St", City: "Springfield", Zip: "12345"}

func line(menuItem, name string, quantity int, unitCents int64) order.Line {
	return order.Line{MenuItemID: menuItem, Name: name, Quantity: quantity,
		UnitPrice: money.MustNew(unitCents, "USD"), Total: money.MustNew(unitCents*int64(quantity), "USD")}
}

func total(lines ...order.Line) money.Money {
	var cents int64
	for _, l := range lines {
		cents += l.Total.Cents
	}
	return money.MustNew(cents, "USD")
}

func orderCreated(id, consumerID, restaurantID uuid.UUID, lines ...order.Line) order.OrderCreated {
	if len(lines) == 0 {
		lines = []order.Line{line("pizza", "Pizza", 2, 1250), line("cola", "Cola", 1, 300)}
	}
	return order.OrderCreated{OrderID: id, ConsumerID: consumerID, RestaurantID: restaurantID,
		Lines: lines, Total: total(lines...), DeliveryAddress: address}
}

func ticketCreated(orderID, restaurantID uuid.UUID) kitchen.TicketCreated {
	return kitchen.TicketCreated{TicketID: orderID, OrderID: orderID, RestaurantID: restaurantID,
		Lines: []kitchen.Line{{MenuItemID: "pizza", Name: "Pizza", Quantity: 2}, {MenuItemID: "cola", Name: "Cola", Quantity: 1}}}
}

// seed appends a restaurant, a consumer with their account, and a varied population
// of orders with their tickets and card holds, one for each path the sagas take, and
// returns the order ids in creation order.
func (e *env) seed(consumerID, restaurantID uuid.UUID) []uuid.UUID {
	e.t.Helper()
	e.append(restaurant.StreamName(restaurantID), restaurantCreated(restaurantID), restaurant.RestaurantOpened{RestaurantID: restaurantID},
		restaurant.MenuRevised{RestaurantID: restaurantID, Menu: append(menu(), restaurant.MenuItem{ID: "salad", Name: "Salad", Price: money.MustNew(800, "USD")})})
	e.append(consumer.StreamName(consumerID), consumer.ConsumerRegistered{ConsumerID: consumerID, Name: "Ann", Email: "ann@example.com"})
	e.append(accounting.StreamName(consumerID), accountOpened(consumerID))

	var ids []uuid.UUID
	add := func(then func(id uuid.UUID) []event.Event) {
		id := uuid.New()
		ids = append(ids, id)
		e.append(order.StreamName(id), orderCreated(id, consumerID, restaurantID))
		e.append(consumer.StreamName(consumerID), consumer.ConsumerVerified{ConsumerID: consumerID, OrderID: id})
		e.append(kitchen.StreamName(id), ticketCreated(id, restaurantID))
		for _, ev := range then(id) {
			stream := order.StreamName(id)
			switch typ := ev.EventType(); {
			case strings.HasPrefix(typ, "Ticket"):
				stream = kitchen.StreamName(id)
			case strings.HasPrefix(typ, "CreditCard"), strings.HasPrefix(typ, "CardTransaction"):
				stream = accounting.StreamName(consumerID)
			}
			e.append(stream, ev)
		}
	}
	revised := []order.Line{line("pizza", "Pizza", 3, 1250)}
	placed := total(orderCreated(uuid.Nil, consumerID, restaurantID).Lines...)
	authorized := func(id uuid.UUID) event.Event {
		return accounting.CreditCardAuthorized{ConsumerID: consumerID, OrderID: id, Amount: placed}
	}
	reversed := func(id uuid.UUID) event.Event {
		return accounting.CardTransactionReversed{ConsumerID: consumerID, OrderID: id, Amount: placed}
	}
	add(func(uuid.UUID) []event.Event { return nil }) // still pending
	add(func(id uuid.UUID) []event.Event {
		return []event.Event{authorized(id), kitchen.TicketAccepted{TicketID: id}, order.OrderApproved{OrderID: id}}
	})
	add(func(id uuid.UUID) []event.Event {
		return []event.Event{authorized(id), kitchen.TicketRejected{TicketID: id, Reason: "too busy"}, reversed(id),
			order.OrderRejected{OrderID: id, Reason: domain.CodeRestaurantRejected, Detail: "too busy"}}
	})
	add(func(id uuid.UUID) []event.Event {
		return []event.Event{authorized(id), kitchen.TicketAccepted{TicketID: id}, order.OrderApproved{OrderID: id},
			order.OrderRevisionProposed{OrderID: id, Lines: revised, Total: total(revised...)}}
	})
	add(func(id uuid.UUID) []event.Event {
		return []event.Event{authorized(id), kitchen.TicketAccepted{TicketID: id}, order.OrderApproved{OrderID: id},
			order.OrderRevisionProposed{OrderID: id, Lines: revised, Total: total(revised...)},
			accounting.CardTransactionRevised{ConsumerID: consumerID, OrderID: id, OldAmount: placed, NewAmount: total(revised...)},
			kitchen.TicketRevised{TicketID: id, Lines: []kitchen.Line{{MenuItemID: "pizza", Name: "Pizza", Quantity: 3}}},
			order.OrderRevised{OrderID: id, Lines: revised, Total: total(revised...)}}
	})
	add(func(id uuid.UUID) []event.Event {
		return []event.Event{authorized(id), kitchen.TicketAccepted{TicketID: id}, order.OrderApproved{OrderID: id},
			order.OrderCancelRequested{OrderID: id}, kitchen.TicketCanceled{TicketID: id, Reason: "consumer canceled"},
			reversed(id), order.OrderCanceled{OrderID: id, Reason: "consumer canceled"}}
	})
	add(func(id uuid.UUID) []event.Event {
		return []event.Event{authorized(id), kitchen.TicketAccepted{TicketID: id}, order.OrderApproved{OrderID: id},
			kitchen.TicketPreparationStarted{TicketID: id}, kitchen.TicketReadyForPickup{TicketID: id},
			kitchen.TicketPickedUp{TicketID: id}, order.OrderShipped{OrderID: id}, order.OrderDelivered{OrderID: id}}
	})
	return ids
}

// menu is a restaurant's menu at creation: the items orderCreated orders, in USD.
func menu() []restaurant.MenuItem {
	return []restaurant.MenuItem{
		{ID: "pizza", Name: "Pizza", Price: money.MustNew(1250, "USD")},
		{ID: "cola", Name: "Cola", Price: money.MustNew(300, "USD")},
	}
}

func restaurantCreated(id uuid.UUID) restaurant.RestaurantCreated {
	return restaurant.RestaurantCreated{RestaurantID: id, Name: "Luigi's", AutoAccept: true, AcceptanceTimeoutSeconds: 300, Menu: menu()}
}

// accountOpened opens an account of 1000.00 USD.
func accountOpened(consumerID uuid.UUID) accounting.AccountOpened {
	return accounting.AccountOpened{ConsumerID: consumerID, CreditLimit: money.MustNew(100_000, "USD"), CardLast4: "4242"}
}

// requireErrorIsAll checks that err matches every target.
func requireErrorIsAll(t *testing.T, err error, targets ...error) {
	t.Helper()
	require.Error(t, err)
	for _, target := range targets {
		require.Truef(t, errors.Is(err, target), "%v is not %v", err, target)
	}
}
