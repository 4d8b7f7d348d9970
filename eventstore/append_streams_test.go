package eventstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/storetest"
)

func part(stream string, expected eventstore.ExpectedVersion, events ...eventstore.EventData) eventstore.StreamAppend {
	return eventstore.StreamAppend{Stream: stream, Expected: expected, Events: events}
}

// TestAppendStreamsStoresEveryStreamInOneTransaction: the parts are one transaction,
// in the order given, each at the end of its stream.
func TestAppendStreamsStoresEveryStreamInOneTransaction(t *testing.T) {
	t.Parallel()
	store, _ := storetest.New(t)
	ctx := context.Background()
	_, err := store.Append(ctx, "account-1", eventstore.NoStream(), events(2, "Before")...)
	require.NoError(t, err)

	consumer, account := events(1, "ConsumerRegistered"), events(2, "AccountOpened")
	results, err := store.AppendStreams(ctx,
		part("consumer-1", eventstore.NoStream(), consumer...),
		part("account-1", eventstore.Exact(2), account...))
	require.NoError(t, err)
	require.Len(t, results, 2)
	require.Equal(t, int64(1), results[0].StreamVersion)
	require.Equal(t, int64(4), results[1].StreamVersion)
	require.Len(t, results[0].GlobalPositions, 1)
	require.Len(t, results[1].GlobalPositions, 2)
	require.Less(t, results[0].GlobalPositions[0], results[1].GlobalPositions[0], "parts are stored in the order given")

	c, err := store.ReadStream(ctx, "consumer-1", eventstore.ReadOptions{})
	require.NoError(t, err)
	a, err := store.ReadStream(ctx, "account-1", eventstore.ReadOptions{})
	require.NoError(t, err)
	require.Len(t, c, 1)
	require.Len(t, a, 4)
	require.Equal(t, consumer[0].ID, c[0].ID)
	require.Equal(t, "consumer", c[0].Category)
	require.Equal(t, []int64{3, 4}, []int64{a[2].StreamPosition, a[3].StreamPosition})
	require.Equal(t, account[1].ID, a[3].ID)
	require.Equal(t, results[1].GlobalPositions, []int64{a[2].GlobalPosition, a[3].GlobalPosition})
	require.Equal(t, c[0].TransactionID, a[3].TransactionID, "one transaction")
	require.NotEqual(t, a[0].TransactionID, a[3].TransactionID)
}

// TestAppendStreamsConflictOnOneStreamWritesNothing: one stream that moved on refuses
// the whole append, naming that stream; the other streams get nothing.
func TestAppendStreamsConflictOnOneStreamWritesNothing(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	ctx := context.Background()
	_, err := store.Append(ctx, "b-1", eventstore.NoStream(), events(1, "Moved")...)
	require.NoError(t, err)
	before := countEvents(t, schema)

	for _, expected := range []eventstore.ExpectedVersion{eventstore.NoStream(), eventstore.Exact(2)} {
		_, err = store.AppendStreams(ctx,
			part("a-1", eventstore.NoStream(), events(2, "A")...),
			part("b-1", expected, events(1, "B")...),
			part("c-1", eventstore.Any(), events(1, "C")...))
		var wrong *eventstore.WrongExpectedVersionError
		require.ErrorAs(t, err, &wrong)
		require.ErrorIs(t, err, eventstore.ErrWrongExpectedVersion)
		require.Equal(t, "b-1", wrong.Stream)
		require.Equal(t, expected, wrong.Expected)
		require.Equal(t, int64(1), wrong.Actual)
		require.Equal(t, before, countEvents(t, schema))
	}

	// StreamExists on a stream that does not exist is a conflict too.
	_, err = store.AppendStreams(ctx,
		part("b-1", eventstore.Exact(1), events(1, "B")...),
		part("d-1", eventstore.StreamExists(), events(1, "D")...))
	var wrong *eventstore.WrongExpectedVersionError
	require.ErrorAs(t, err, &wrong)
	require.Equal(t, "d-1", wrong.Stream)
	require.Equal(t, before, countEvents(t, schema))
}

func TestAppendStreamsRefusesBadInputAndWritesNothing(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	ctx := context.Background()
	bad := event("Bad", nil)
	bad.Data = []byte("{not json")
	shared := event("Shared", 1)
	cases := map[string][]eventstore.StreamAppend{
		"no parts":            nil,
		"a stream twice":      {part("a-1", eventstore.Any(), events(1, "A")...), part("a-1", eventstore.Any(), events(1, "A")...)},
		"a part with nothing": {part("a-1", eventstore.Any(), events(1, "A")...), part("b-1", eventstore.Any())},
		"a bad stream name":   {part("a-1", eventstore.Any(), events(1, "A")...), part("", eventstore.Any(), events(1, "B")...)},
		"a bad event":         {part("a-1", eventstore.Any(), events(1, "A")...), part("b-1", eventstore.Any(), bad)},
		"an id in two parts":  {part("a-1", eventstore.Any(), shared), part("b-1", eventstore.Any(), shared)},
		"too many events":     {part("a-1", eventstore.Any(), events(600, "A")...), part("b-1", eventstore.Any(), events(401, "B")...)},
	}
	for name, parts := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := store.AppendStreams(ctx, parts...)
			require.ErrorIs(t, err, eventstore.ErrInvalidInput)
			require.Zero(t, countEvents(t, schema))
		})
	}
}

// TestRetriedAppendStreamsIsIdempotent: the same append again, even with the expected
// versions it had the first time (now stale), succeeds with the original positions and
// writes nothing.
func TestRetriedAppendStreamsIsIdempotent(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	ctx := context.Background()
	parts := []eventstore.StreamAppend{
		part("consumer-1", eventstore.NoStream(), events(1, "ConsumerRegistered")...),
		part("account-1", eventstore.NoStream(), events(2, "AccountOpened")...),
	}
	first, err := store.AppendStreams(ctx, parts...)
	require.NoError(t, err)
	stored := countEvents(t, schema)

	again, err := store.AppendStreams(ctx, parts...)
	require.NoError(t, err)
	require.Equal(t, first, again)
	require.Equal(t, stored, countEvents(t, schema))

	parts[0].Expected, parts[1].Expected = eventstore.Any(), eventstore.Any()
	again, err = store.AppendStreams(ctx, parts...)
	require.NoError(t, err)
	require.Equal(t, first, again)
	require.Equal(t, stored, countEvents(t, schema))
}

// TestAppendStreamsAppendsThePartsNotStoredYet: a part already stored (a write that
// was not atomic once, say) is reported as it was stored; the others are appended.
func TestAppendStreamsAppendsThePartsNotStoredYet(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	ctx := context.Background()
	consumer, account := events(1, "ConsumerRegistered"), events(1, "AccountOpened")
	earlier, err := store.Append(ctx, "consumer-1", eventstore.NoStream(), consumer...)
	require.NoError(t, err)

	results, err := store.AppendStreams(ctx,
		part("consumer-1", eventstore.NoStream(), consumer...),
		part("account-1", eventstore.NoStream(), account...))
	require.NoError(t, err)
	require.Equal(t, earlier, results[0])
	require.Equal(t, int64(1), results[1].StreamVersion)
	require.Equal(t, 2, countEvents(t, schema))
}

// TestAppendStreamsWithAReusedIDIsRefused: an id stored as another event refuses the
// whole append.
func TestAppendStreamsWithAReusedIDIsRefused(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	ctx := context.Background()
	used := event("Original", 1)
	_, err := store.Append(ctx, "other-1", eventstore.NoStream(), used)
	require.NoError(t, err)
	reused := used
	reused.Type = "Impostor"

	_, err = store.AppendStreams(ctx,
		part("a-1", eventstore.NoStream(), events(1, "A")...),
		part("b-1", eventstore.NoStream(), reused))
	require.ErrorIs(t, err, eventstore.ErrDuplicateEventID)
	require.Equal(t, 1, countEvents(t, schema))
}

// TestConcurrentAppendStreamsExactlyOneWins: writers race to create the same two
// streams: one wins, the others conflict, and each stream holds one writer's events.
func TestConcurrentAppendStreamsExactlyOneWins(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	ctx := context.Background()
	const writers = 12
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		wins int
	)
	for range writers {
		wg.Go(func() {
			_, err := store.AppendStreams(ctx,
				part("consumer-7", eventstore.NoStream(), events(1, "ConsumerRegistered")...),
				part("account-7", eventstore.NoStream(), events(1, "AccountOpened")...))
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
				return
			}
			if !errors.Is(err, eventstore.ErrWrongExpectedVersion) {
				t.Errorf("unexpected error: %v", err)
			}
		})
	}
	wg.Wait()
	require.Equal(t, 1, wins)
	require.Equal(t, 2, countEvents(t, schema))
	c, err := store.ReadStream(ctx, "consumer-7", eventstore.ReadOptions{})
	require.NoError(t, err)
	a, err := store.ReadStream(ctx, "account-7", eventstore.ReadOptions{})
	require.NoError(t, err)
	require.Equal(t, c[0].TransactionID, a[0].TransactionID, "both streams are the winner's")
}

// TestConcurrentAppendStreamsKeepStreamOrderInCommitOrder: writers appending to the
// same streams with Any (in both orders of the streams, which can deadlock and is
// retried) all succeed, every stream is gapless, and reading the log in commit order
// (as subscriptions do) gives each stream's events in stream order.
func TestConcurrentAppendStreamsKeepStreamOrderInCommitOrder(t *testing.T) {
	t.Parallel()
	store, _ := storetest.New(t)
	ctx := context.Background()
	const writers, rounds = 6, 10
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for range rounds {
				parts := []eventstore.StreamAppend{
					part("x-1", eventstore.Any(), events(1, "X")...),
					part("y-1", eventstore.Any(), events(2, "Y")...),
				}
				if w == 0 {
					parts[0], parts[1] = parts[1], parts[0]
				}
				if _, err := store.AppendStreams(ctx, parts...); err != nil {
					t.Errorf("append: %v", err)
					return
				}
				// A single-stream writer on one of them, between.
				if _, err := store.Append(ctx, "y-1", eventstore.Any(), events(1, "Y")...); err != nil {
					t.Errorf("append: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	require.Equal(t, oneTo(writers*rounds), streamPositions(t, store, "x-1"))
	require.Equal(t, oneTo(writers*rounds*3), streamPositions(t, store, "y-1"))

	// ReadAll stops at the horizon, which other tests' transactions may hold back for a
	// while: read until everything is below it.
	total := writers * rounds * 4
	var all []eventstore.RecordedEvent
	require.Eventually(t, func() bool {
		var err error
		all, err = store.ReadAll(ctx, eventstore.Checkpoint{}, eventstore.Filter{}, 10_000)
		require.NoError(t, err)
		return len(all) == total
	}, 10*time.Second, 10*time.Millisecond, "only %d of %d events read", len(all), total)
	last := map[string]int64{}
	for _, e := range all {
		require.Equal(t, last[e.StreamName]+1, e.StreamPosition, "%s out of stream order in commit order", e.StreamName)
		last[e.StreamName] = e.StreamPosition
	}
}
