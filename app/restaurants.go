package app

import (
	"context"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/aggregate"
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
