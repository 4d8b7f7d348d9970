package eventstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/storetest"
)

// A handler that refuses an event stops its subscription there: the events before it,
// in the same batch, commit; it says which event and why; an operator's Retry tries
// again at once, and Skip passes over it with the decision recorded.
func TestAFailingEventStopsTheSubscriptionAfterTheEventsBeforeIt(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	ctx := context.Background()
	batch := events(6, "E")
	_, err := store.Append(ctx, "s-1", eventstore.NoStream(), batch...)
	require.NoError(t, err)
	poison := batch[3].ID

	handler := effects(t, schema)
	refusing := func(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
		if e.ID == poison {
			return errors.New("cannot read this one")
		}
		return handler(ctx, tx, e)
	}
	failed := make(chan error, 100)
	runSubscription(t, store, eventstore.Subscription{Name: "picky", Handler: refusing, BatchSize: 10,
		PollInterval: time.Hour, OnError: func(err error) { failed <- err }})

	var status eventstore.SubscriptionStatus
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		status, err = store.SubscriptionStatus(ctx, "picky")
		require.NoError(c, err)
		require.NotNil(c, status.Stopped)
	}, 10*time.Second, 10*time.Millisecond)
	require.Equal(t, poison, status.Stopped.EventID)
	require.Equal(t, "E", status.Stopped.Type)
	require.Equal(t, "s-1", status.Stopped.Stream)
	require.Equal(t, int64(4), status.Stopped.StreamPosition)
	require.Equal(t, "cannot read this one", status.Stopped.Reason)
	var handlerErr *eventstore.HandlerError
	require.ErrorAs(t, <-failed, &handlerErr)
	require.Equal(t, poison, handlerErr.Event.ID)
	require.Len(t, effectRows(t, schema), 3, "the three events before it committed")

	// Retry wakes it at once (its backoff is far shorter than the hour of polling, but
	// it doubles; the failure count shows each attempt).
	before := status.Stopped.Failures
	require.NoError(t, store.Retry(ctx, "picky"))
	require.EventuallyWithT(t, func(c *assert.CollectT) {
		status, err = store.SubscriptionStatus(ctx, "picky")
		require.NoError(c, err)
		require.Greater(c, status.Stopped.Failures, before)
	}, 10*time.Second, 10*time.Millisecond)

	require.ErrorIs(t, store.Skip(ctx, "picky", batch[4].ID, "not this one", "ops"), eventstore.ErrNotStoppedAtEvent)
	require.ErrorIs(t, store.Skip(ctx, "picky", poison, " ", "ops"), eventstore.ErrInvalidInput)
	require.NoError(t, store.Skip(ctx, "picky", poison, "known bad data", "ops"))
	waitForEffects(t, schema, 5)
	status, err = store.SubscriptionStatus(ctx, "picky")
	require.NoError(t, err)
	require.Nil(t, status.Stopped)
	require.Len(t, status.Skipped, 1)
	require.Equal(t, eventstore.Skip{EventID: poison, Reason: "known bad data", By: "ops", At: status.Skipped[0].At}, status.Skipped[0])
	for _, row := range effectRows(t, schema) {
		require.NotEqual(t, poison, row.id)
	}
}
