package app

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/restaurant"
	"github.com/orderflow/orderflow/eventstore"
)

// Restaurants handles the restaurant commands.
type Restaurants struct{ Store aggregate.Store }

// Create creates a restaurant with its menu, open for orders. cmd.ID is chosen by the
// caller (from the request's idempotency key when it has one).
func (h Restaurants) Create(ctx context.Context, actor string, cmd restaurant.CreateCommand) (restaurant.State, error) {
	return h.run(ctx, actor, cmd.ID, "create-restaurant/"+cmd.ID.String(), func(s restaurant.State) ([]event.Event, error) {
		return restaurant.Create(s, cmd)
	})
}

// ReviseMenu replaces a restaurant's whole menu. A price without a currency is in the
// restaurant's (the API takes cents only): a menu never changes currency, since orders
// and accounts are matched on it. Orders already placed keep the lines and prices they
// were placed with (their OrderCreated holds them), so an item may leave the menu while
// orders for it are in flight.
func (h Restaurants) ReviseMenu(ctx context.Context, actor string, id uuid.UUID, menu []restaurant.MenuItem) (restaurant.State, error) {
	return h.run(ctx, actor, id, "", func(s restaurant.State) ([]event.Event, error) {
		if !s.Exists() {
			return nil, RestaurantNotFound(id)
		}
		priced := slices.Clone(menu)
		for i := range priced {
			if priced[i].Price.Currency == "" {
				priced[i].Price.Currency = s.Currency()
			}
		}
		return restaurant.ReviseMenu(s, priced)
	})
}

// RestaurantNotFound is how a restaurant id that does not exist is refused, and so also
// one the principal may not act for: in the same words, so that ids cannot be probed.
func RestaurantNotFound(id uuid.UUID) error {
	return domain.Errorf(domain.CodeRestaurantNotFound, "restaurant %s not found", id)
}

// Open lets a restaurant take orders.
func (h Restaurants) Open(ctx context.Context, actor string, id uuid.UUID) (restaurant.State, error) {
	return h.run(ctx, actor, id, "", restaurant.Open)
}

// Close stops a restaurant taking orders; orders already placed carry on.
func (h Restaurants) Close(ctx context.Context, actor string, id uuid.UUID) (restaurant.State, error) {
	return h.run(ctx, actor, id, "", restaurant.Close)
}

// Get returns a restaurant's current state, or RESTAURANT_NOT_FOUND.
func (h Restaurants) Get(ctx context.Context, id uuid.UUID) (restaurant.State, error) {
	s, _, err := aggregate.Load(ctx, h.Store, restaurant.StreamName(id), (*restaurant.State).Apply)
	return s, err
}

func (h Restaurants) run(ctx context.Context, actor string, id uuid.UUID, key string,
	decide func(restaurant.State) ([]event.Event, error)) (restaurant.State, error) {
	res, err := aggregate.Execute(ctx, h.Store, aggregate.Command[restaurant.State]{
		Stream: restaurant.StreamName(id), Apply: (*restaurant.State).Apply, Decide: decide,
		Metadata: eventstore.Metadata{User: actor, CorrelationID: id.String()}, IdempotencyKey: key,
	})
	return res.State, err
}
