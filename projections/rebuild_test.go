package projections_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/projections"
)

func TestRebuildReplaysTheStoreIntoTheSameView(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	stop := e.runProjector()
	e.seed(uuid.New(), uuid.New())
	e.seed(uuid.New(), uuid.New())
	e.waitCaughtUp()
	liveOrders, liveTickets, liveRestaurants, liveConsumers := e.allOrders(), e.allTickets(), e.allRestaurants(), e.allConsumers()
	require.Len(t, liveOrders, 14)
	require.Len(t, liveTickets, 14)
	require.Len(t, liveRestaurants, 2)
	require.Len(t, liveConsumers, 2)
	stop()

	// With no projector running, the rebuild itself replays the store and swaps.
	ctx := context.Background()
	for _, name := range projections.Names() {
		require.NoError(t, projections.Rebuild(ctx, e.store, name))
		status, err := projections.StatusOf(ctx, e.store, name)
		require.NoError(t, err)
		require.Zero(t, status.Lag)
		require.Nil(t, status.Rebuild, "the rebuild's own checkpoint is gone")
		require.Zero(t, e.count(`select count(*) from processed_events where consumer = $1`, name+"_next"))
	}
	require.Equal(t, liveOrders, e.allOrders(), "a rebuilt view equals the live one, timestamps included")
	require.Equal(t, liveTickets, e.allTickets())
	require.Equal(t, liveRestaurants, e.allRestaurants())
	require.Equal(t, liveConsumers, e.allConsumers())
	e.requireOneProcessedRecordPerEvent()

	// The live projection carries on into the rebuilt table.
	id := uuid.New()
	e.append(order.StreamName(id), orderCreated(id, uuid.New(), uuid.New()))
	e.runProjector()
	e.waitOrder(id, 1)
	e.requireVerified()
}

// Rebuilds racing a running projector and ongoing appends still end in the true view:
// every row equal to its aggregate, every event processed exactly once.
func TestRebuildWhileTheProjectorRunsConverges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runProjector()
	consumer, restaurant := uuid.New(), uuid.New()
	e.seed(consumer, restaurant)

	rebuilt := make(chan error, 1)
	go func() {
		defer close(rebuilt)
		for range 6 {
			for _, name := range projections.Names() {
				if err := projections.Rebuild(context.Background(), e.store, name); err != nil {
					rebuilt <- err
					return
				}
			}
			time.Sleep(15 * time.Millisecond)
		}
	}()
	for range 15 {
		id := uuid.New()
		e.append(order.StreamName(id), orderCreated(id, consumer, restaurant))
		e.append(kitchen.StreamName(id), ticketCreated(id, restaurant))
		e.append(kitchen.StreamName(id), kitchen.TicketAccepted{TicketID: id})
		e.append(order.StreamName(id), order.OrderApproved{OrderID: id})
	}
	require.NoError(t, <-rebuilt)

	e.waitCaughtUp()
	orders, tickets := e.allOrders(), e.allTickets()
	require.Len(t, orders, 7+15)
	require.Len(t, tickets, 7+15)
	for _, v := range orders {
		e.requireOrderMatchesAggregate(v)
	}
	for _, v := range tickets {
		e.requireTicketMatchesAggregate(v)
	}
	e.requireOneProcessedRecordPerEvent()
}

func TestRebuildOfAProjectionThatNeverRan(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ids := e.seed(uuid.New(), uuid.New())
	require.NoError(t, projections.Rebuild(context.Background(), e.store, projections.KitchenTicketsProjection))
	require.Len(t, e.allTickets(), len(ids))
}

func TestUnknownProjectionNamesAreRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()

	require.ErrorIs(t, projections.Rebuild(ctx, e.store, "orders"), projections.ErrUnknownProjection)
	_, err := projections.StatusOf(ctx, e.store, "orders")
	require.ErrorIs(t, err, projections.ErrUnknownProjection)
	require.ErrorIs(t, projections.Skip(ctx, e.store, "orders", uuid.New(), "r", "ops"), projections.ErrUnknownProjection)
	_, err = projections.Lag(ctx, e.schema.Pool, "orders")
	require.ErrorIs(t, err, projections.ErrUnknownProjection)
	// Run refuses before it starts anything, so it returns at once.
	require.ErrorIs(t, projections.Run(ctx, e.store, projections.OrderViewProjection, "orders"), projections.ErrUnknownProjection)
}
