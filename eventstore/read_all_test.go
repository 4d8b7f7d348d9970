package eventstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/storetest"
)

func TestReadAllFiltersByCategoryAndType(t *testing.T) {
	t.Parallel()
	store, _ := storetest.New(t)
	ctx := context.Background()
	_, err := store.Append(ctx, "order-1", eventstore.NoStream(), event("OrderCreated", nil), event("OrderApproved", nil))
	require.NoError(t, err)
	_, err = store.Append(ctx, "ticket-1", eventstore.NoStream(), event("TicketCreated", nil))
	require.NoError(t, err)
	_, err = store.Append(ctx, "order-2", eventstore.NoStream(), event("OrderCreated", nil))
	require.NoError(t, err)

	require.Eventually(t, func() bool { // until no other test's transaction holds the horizon back
		got, err := store.ReadAll(ctx, eventstore.Checkpoint{}, eventstore.Filter{}, 100)
		return err == nil && len(got) == 4
	}, 10*time.Second, 5*time.Millisecond)
	types := func(filter eventstore.Filter) []string {
		got, err := store.ReadAll(ctx, eventstore.Checkpoint{}, filter, 100)
		require.NoError(t, err)
		var out []string
		for _, e := range got {
			out = append(out, e.StreamName+":"+e.Type)
		}
		return out
	}
	require.Equal(t, []string{"order-1:OrderCreated", "order-1:OrderApproved", "ticket-1:TicketCreated", "order-2:OrderCreated"},
		types(eventstore.Filter{}))
	require.Equal(t, []string{"order-1:OrderCreated", "order-1:OrderApproved", "order-2:OrderCreated"},
		types(eventstore.Filter{Category: "order"}))
	require.Equal(t, []string{"order-1:OrderCreated", "order-2:OrderCreated"},
		types(eventstore.Filter{Types: []string{"OrderCreated"}}))
	require.Equal(t, []string{"ticket-1:TicketCreated"},
		types(eventstore.Filter{Category: "ticket", Types: []string{"TicketCreated", "TicketAccepted"}}))
}

func TestReadAllPagesFromACheckpoint(t *testing.T) {
	t.Parallel()
	store, _ := storetest.New(t)
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		_, err := store.Append(ctx, streamName("order", i), eventstore.NoStream(), events(3, "E")...)
		require.NoError(t, err)
	}
	var all []eventstore.RecordedEvent
	from := eventstore.Checkpoint{}
	// Another test's open transaction may hold the horizon back for a moment: an empty
	// page means "nothing stable yet", not "the end".
	require.Eventually(t, func() bool {
		page, err := store.ReadAll(ctx, from, eventstore.Filter{}, 4)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page), 4)
		all = append(all, page...)
		if len(page) > 0 {
			from = page[len(page)-1].Checkpoint()
		}
		return len(all) >= 15
	}, 10*time.Second, 5*time.Millisecond)
	require.Len(t, all, 15)
	for i := 1; i < len(all); i++ {
		require.True(t, all[i-1].Checkpoint().Before(all[i].Checkpoint()))
	}
}

// A transaction that took its global position early but commits late must not be
// skipped by a reader that has already seen later positions.
func TestReadAllHoldsBackEventsBehindAnOpenTransaction(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	ctx := context.Background()

	slow, err := schema.Pool.Begin(ctx)
	require.NoError(t, err)
	defer slow.Rollback(ctx)
	require.NoError(t, insertEvent(ctx, slow, "slow-1", uuid.New()))

	_, err = store.Append(ctx, "fast-1", eventstore.Any(), event("Fast", nil))
	require.NoError(t, err)
	// (Other tests' open transactions can hold it back too; this one certainly does.)
	held, err := store.ReadAll(ctx, eventstore.Checkpoint{}, eventstore.Filter{Category: "fast"}, 10)
	require.NoError(t, err)
	require.Empty(t, held, "an event committed after an open transaction began is held back")

	require.NoError(t, slow.Commit(ctx))
	var got []eventstore.RecordedEvent
	require.Eventually(t, func() bool {
		got, err = store.ReadAll(ctx, eventstore.Checkpoint{}, eventstore.Filter{}, 10)
		require.NoError(t, err)
		return len(got) == 2
	}, 10*time.Second, 5*time.Millisecond)
	require.Equal(t, "slow-1", got[0].StreamName)
	require.Equal(t, "fast-1", got[1].StreamName)
	require.Less(t, got[0].GlobalPosition, got[1].GlobalPosition)
}

func TestReadStreamBackwardFromAPositionWithALimit(t *testing.T) {
	t.Parallel()
	store, _ := storetest.New(t)
	ctx := context.Background()
	_, err := store.Append(ctx, "order-1", eventstore.NoStream(), events(10, "E")...)
	require.NoError(t, err)

	positions := func(opts eventstore.ReadOptions) []int64 {
		got, err := store.ReadStream(ctx, "order-1", opts)
		require.NoError(t, err)
		var out []int64
		for _, e := range got {
			out = append(out, e.StreamPosition)
		}
		return out
	}
	require.Equal(t, []int64{4, 5, 6}, positions(eventstore.ReadOptions{From: 4, Limit: 3}))
	require.Equal(t, []int64{10, 9}, positions(eventstore.ReadOptions{Direction: eventstore.Backward, Limit: 2}))
	require.Equal(t, []int64{4, 3, 2, 1}, positions(eventstore.ReadOptions{Direction: eventstore.Backward, From: 4}))
	require.Nil(t, positions(eventstore.ReadOptions{From: 11}))

	last, err := store.ReadLast(ctx, "order-1")
	require.NoError(t, err)
	require.Equal(t, int64(10), last.StreamPosition)
	_, err = store.ReadLast(ctx, "order-404")
	require.ErrorIs(t, err, eventstore.ErrStreamNotFound)
}

func TestReadCorrelatedReturnsTheAuditTrailAcrossStreams(t *testing.T) {
	t.Parallel()
	store, _ := storetest.New(t)
	ctx := context.Background()
	mine := func(typ string) eventstore.EventData {
		e := event(typ, nil)
		e.Metadata.CorrelationID = "order-7"
		return e
	}
	_, err := store.Append(ctx, "order-7", eventstore.NoStream(), mine("OrderCreated"))
	require.NoError(t, err)
	_, err = store.Append(ctx, "order-8", eventstore.NoStream(), event("OrderCreated", nil))
	require.NoError(t, err)
	_, err = store.Append(ctx, "ticket-7", eventstore.NoStream(), mine("TicketCreated"))
	require.NoError(t, err)
	_, err = store.Append(ctx, "account-c1", eventstore.Any(), mine("CreditCardAuthorized"))
	require.NoError(t, err)

	trail, err := store.ReadCorrelated(ctx, "order-7", "order-7", "ticket-7", "account-c1", "order-8")
	require.NoError(t, err)
	var got []string
	for _, e := range trail {
		got = append(got, e.StreamName+":"+e.Type)
	}
	require.Equal(t, []string{"order-7:OrderCreated", "ticket-7:TicketCreated", "account-c1:CreditCardAuthorized"}, got)
}
