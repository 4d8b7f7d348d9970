package eventstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/storetest"
)

// The handover reads its horizon when it starts and may then wait for the live
// subscription's batch in flight; that batch may have read events committed after
// the horizon. The handover cannot give those to Next (they are past its horizon), so
// Next stands behind Live: Replace catches up again and hands over again, rather than
// failing the rebuild.
func TestReplaceHandsOverAgainWhenLiveMovedPastTheHandoversHorizon(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	ctx := context.Background()
	first, err := store.Append(ctx, "order-1", eventstore.Any(), events(3, "OrderCreated")...)
	require.NoError(t, err)
	// Transactions of other tests on the same database hold the horizon back (it is
	// the oldest running transaction's): start once these events are readable.
	require.Eventually(t, func() bool {
		var readable bool
		return schema.Pool.QueryRow(ctx, `select transaction_id < pg_snapshot_xmin(pg_current_snapshot())
			from events where global_position = $1`, first.GlobalPositions[2]).Scan(&readable) == nil && readable
	}, 30*time.Second, 10*time.Millisecond)

	// A live batch in flight: it holds Live's checkpoint row (and so has a transaction
	// id older than anything appended from now on).
	_, err = schema.Pool.Exec(ctx, `insert into subscription_checkpoints (subscription_name, transaction_id, global_position)
		values ('live', '0', 0)`)
	require.NoError(t, err)
	batch, err := schema.Pool.Begin(ctx)
	require.NoError(t, err)
	defer func() { _ = batch.Rollback(ctx) }()
	_, err = batch.Exec(ctx, `select 1 from subscription_checkpoints where subscription_name = 'live' for update`)
	require.NoError(t, err)

	replaced := make(chan error, 1)
	handled := 0
	go func() {
		replaced <- store.Replace(ctx, eventstore.Replacement{
			Live: "live",
			Next: eventstore.Subscription{Name: "next", Handler: func(context.Context, pgx.Tx, eventstore.RecordedEvent) error {
				handled++
				return nil
			}},
			Swap: func(context.Context, pgx.Tx) error { return nil },
		})
	}()
	schema.AwaitWaiterOn(t, batch, "the handover (for the live batch)")

	// The live batch reads an event committed after the handover took its horizon, and
	// commits its checkpoint there.
	late, err := store.Append(ctx, "order-2", eventstore.Any(), event("OrderCreated", nil))
	require.NoError(t, err)
	_, err = batch.Exec(ctx, `update subscription_checkpoints set (transaction_id, global_position) =
		(select transaction_id, global_position from events where global_position = $1)
		where subscription_name = 'live'`, late.GlobalPositions[0])
	require.NoError(t, err)
	require.NoError(t, batch.Commit(ctx))

	select {
	case err := <-replaced:
		require.NoError(t, err)
	case <-time.After(30 * time.Second):
		t.Fatal("the replacement did not end")
	}
	require.Equal(t, 4, handled, "Next was given every event, the late one too")
}
