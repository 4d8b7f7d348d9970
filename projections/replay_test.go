package projections_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/projections"
)

// deliverAll hands every event of each projection's streams to its handler, in one
// transaction per projection, as a subscription starting from scratch would.
func (e *env) deliverAll() {
	e.t.Helper()
	e.deliver(func(eventstore.RecordedEvent) bool { return true })
}

// deliver is deliverAll for the events that pick selects.
func (e *env) deliver(pick func(eventstore.RecordedEvent) bool) {
	e.t.Helper()
	ctx := context.Background()
	for _, sub := range projections.All(e.reg, slog.New(slog.DiscardHandler)) {
		// ReadAll stops at the cluster's horizon, which other tests' transactions hold
		// back for a moment: read until it returns every event of the category.
		want := e.count(`select count(*) from events where category = $1`, sub.Filter.Category)
		require.NotZero(e.t, want)
		var events []eventstore.RecordedEvent
		require.EventuallyWithT(e.t, func(c *assert.CollectT) {
			var err error
			events, err = e.store.ReadAll(ctx, eventstore.Checkpoint{}, sub.Filter, 10_000)
			require.NoError(c, err)
			require.Len(c, events, want)
		}, 15*time.Second, 5*time.Millisecond)
		require.NoError(e.t, pgx.BeginFunc(ctx, e.schema.Pool, func(tx pgx.Tx) error {
			for _, ev := range events {
				if !pick(ev) {
					continue
				}
				if err := sub.Handler(ctx, tx, ev); err != nil {
					return err
				}
			}
			return nil
		}))
	}
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.schema.Pool.QueryRow(context.Background(), query, args...).Scan(&n))
	return n
}

// requireOneProcessedRecordPerEvent checks processed_events holds each event of a
// projection's streams exactly once under the projection's name.
func (e *env) requireOneProcessedRecordPerEvent() {
	e.t.Helper()
	for name, category := range map[string]string{
		projections.OrderViewProjection: "order", projections.KitchenTicketsProjection: "ticket",
		projections.RestaurantViewProjection: "restaurant", projections.ConsumerViewProjection: "consumer",
		projections.AccountViewProjection: "account",
	} {
		require.Equal(e.t, e.count(`select count(*) from events where category = $1`, category),
			e.count(`select count(*) from processed_events p join events e using (event_id)
				where p.consumer = $1 and e.category = $2`, name, category), name)
		require.Zero(e.t, e.count(`select count(*) from processed_events p where p.consumer = $1
			and not exists (select 1 from events e where e.event_id = p.event_id and e.category = $2)`, name, category),
			"%s recorded events of other streams", name)
	}
}

func TestDeliveringTheSameEventsAgainChangesNoRow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ids := e.seed(uuid.New(), uuid.New())

	e.deliverAll()
	orders, tickets, restaurants, consumers := e.allOrders(), e.allTickets(), e.allRestaurants(), e.allConsumers()
	require.Len(t, orders, len(ids))
	require.Len(t, tickets, len(ids))
	require.Len(t, restaurants, 1)
	require.Len(t, consumers, 1)
	for _, v := range orders {
		e.requireOrderMatchesAggregate(v)
	}
	for _, v := range tickets {
		e.requireTicketMatchesAggregate(v)
	}
	e.requireRestaurantMatchesAggregate(restaurants[0])
	e.requireConsumerMatchesAggregates(consumers[0])
	e.requireOneProcessedRecordPerEvent()
	unchanged := func() {
		t.Helper()
		require.Equal(t, orders, e.allOrders())
		require.Equal(t, tickets, e.allTickets())
		require.Equal(t, restaurants, e.allRestaurants())
		require.Equal(t, consumers, e.allConsumers())
	}

	// Again: processed_events turns every second delivery into a no-op.
	e.deliverAll()
	unchanged()
	e.requireOneProcessedRecordPerEvent()

	// Again without those records: each row's version alone must stop every event at or
	// below it, including the creations that would otherwise reset a row.
	_, err := e.schema.Pool.Exec(context.Background(), `delete from processed_events`)
	require.NoError(t, err)
	e.deliverAll()
	unchanged()
	e.requireOneProcessedRecordPerEvent()

	// A full replay would end where it started even without that guard, so also
	// re-deliver old events alone, out of any sequence: the creations, then every
	// second event. Neither may take a row back.
	_, err = e.schema.Pool.Exec(context.Background(), `delete from processed_events`)
	require.NoError(t, err)
	e.deliver(func(ev eventstore.RecordedEvent) bool { return ev.StreamPosition == 1 })
	e.deliver(func(ev eventstore.RecordedEvent) bool { return ev.StreamPosition%2 == 0 })
	unchanged()
}

func TestProjectorReplayingFromAResetCheckpointChangesNoRow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	stop := e.runProjector()
	e.seed(uuid.New(), uuid.New())
	e.waitCaughtUp()
	orders, tickets, restaurants, consumers := e.allOrders(), e.allTickets(), e.allRestaurants(), e.allConsumers()
	require.NotEmpty(t, orders)
	require.NotEmpty(t, tickets)
	require.NotEmpty(t, restaurants)
	require.NotEmpty(t, consumers)
	stop()

	for _, forget := range []string{
		`select 1`,                     // processed_events skip the replay
		`delete from processed_events`, // the rows' versions skip it
	} {
		_, err := e.schema.Pool.Exec(context.Background(), forget)
		require.NoError(t, err)
		_, err = e.schema.Pool.Exec(context.Background(),
			`update subscription_checkpoints set transaction_id = '0', global_position = 0`)
		require.NoError(t, err)
		stop = e.runProjector()
		e.waitCaughtUp()
		require.Equal(t, orders, e.allOrders(), forget)
		require.Equal(t, tickets, e.allTickets(), forget)
		require.Equal(t, restaurants, e.allRestaurants(), forget)
		require.Equal(t, consumers, e.allConsumers(), forget)
		e.requireOneProcessedRecordPerEvent()
		stop()
	}
}
