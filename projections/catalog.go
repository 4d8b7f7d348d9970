package projections

import (
	"fmt"
	"log/slog"

	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/consumer"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/domain/restaurant"
	"github.com/orderflow/orderflow/eventstore"
)

// The projections' names. A name is at once the subscription's name (its checkpoint),
// the consumer name of its processed_events rows, and what Run, Rebuild and Lag take.
const (
	OrderViewProjection      = "order_view"
	KitchenTicketsProjection = "kitchen_tickets"
	RestaurantViewProjection = "restaurant_view"
	ConsumerViewProjection   = "consumer_view"
	AccountViewProjection    = "account_view"
)

// projection is one read model: the streams it follows, the table it fills and the
// handler that fills a table of that shape (the live one, or its rebuild's).
type projection struct {
	name     string
	category string
	table    string
	handler  func(reg *event.Registry, log *slog.Logger, table string) eventstore.Handler
}

var catalog = []projection{
	{name: OrderViewProjection, category: order.Category, table: "order_view", handler: orderViewHandler},
	{name: KitchenTicketsProjection, category: kitchen.Category, table: "kitchen_ticket_queue", handler: kitchenTicketsHandler},
	{name: RestaurantViewProjection, category: restaurant.Category, table: "restaurant_view", handler: restaurantViewHandler},
	{name: ConsumerViewProjection, category: consumer.Category, table: "consumer_view", handler: consumerViewHandler},
	{name: AccountViewProjection, category: accounting.Category, table: "account_view", handler: accountViewHandler},
}

// Names lists every projection, in the order All returns them.
func Names() []string {
	names := make([]string, len(catalog))
	for i, p := range catalog {
		names[i] = p.name
	}
	return names
}

// All returns every projection as a subscription, ready for eventstore.Store.Subscribe.
// reg decodes the stored events (registry.New()); log receives their warnings.
func All(reg *event.Registry, log *slog.Logger) []eventstore.Subscription {
	subs := make([]eventstore.Subscription, len(catalog))
	for i, p := range catalog {
		subs[i] = p.subscription(reg, log)
	}
	return subs
}

// subscription is the projection's live subscription: its handler fills the live table.
func (p projection) subscription(reg *event.Registry, log *slog.Logger) eventstore.Subscription {
	return p.subscriptionInto(reg, log, p.name, p.table)
}

// subscriptionInto is a subscription named name whose handler fills table, wrapped in
// eventstore.Idempotent under that name, so processed_events records each event with
// its effect, as for every subscriber.
func (p projection) subscriptionInto(reg *event.Registry, log *slog.Logger, name, table string) eventstore.Subscription {
	log = log.With("projection", name)
	return eventstore.Subscription{
		Name:    name,
		Filter:  p.filter(),
		Handler: eventstore.Idempotent(name, p.handler(reg, log, table)),
		Logger:  log,
	}
}

// filter selects the events of the projection's streams: its subscription's, and what
// its lag is measured over (Behind).
func (p projection) filter() eventstore.Filter { return eventstore.Filter{Category: p.category} }

// lookup finds a projection by name; ErrUnknownProjection if there is none.
func lookup(name string) (projection, error) {
	for _, p := range catalog {
		if p.name == name {
			return p, nil
		}
	}
	return projection{}, fmt.Errorf("%w: %q (known: %v)", ErrUnknownProjection, name, Names())
}
