package eventstore_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/storetest"
)

// tally is a tiny aggregate: the sum of the n values of its events.
type tally struct {
	Sum    int `json:"sum"`
	Events int `json:"events"`
}

func applyTally(s *tally, e eventstore.RecordedEvent) error {
	var d struct{ N int }
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return err
	}
	s.Sum += d.N
	s.Events++
	return nil
}

func TestFoldStreamFoldsAStreamAndReturnsItsVersion(t *testing.T) {
	t.Parallel()
	store, _ := storetest.New(t)
	ctx := context.Background()

	state, version, err := eventstore.FoldStream(ctx, store, "tally-1", applyTally)
	require.NoError(t, err)
	require.Equal(t, tally{}, state)
	require.Equal(t, int64(0), version)

	_, err = store.Append(ctx, "tally-1", eventstore.NoStream(), events(5, "Counted")...) // n = 0..4
	require.NoError(t, err)
	state, version, err = eventstore.FoldStream(ctx, store, "tally-1", applyTally)
	require.NoError(t, err)
	require.Equal(t, tally{Sum: 10, Events: 5}, state)
	require.Equal(t, int64(5), version)

	_, err = store.Append(ctx, "tally-1", eventstore.Exact(version), event("Counted", map[string]int{"n": 1}))
	require.NoError(t, err)
}

func TestFoldStreamFromSnapshotReadsOnlyTheEventsAfterIt(t *testing.T) {
	t.Parallel()
	store, _ := storetest.New(t)
	ctx := context.Background()
	_, err := store.Append(ctx, "tally-1", eventstore.NoStream(), events(5, "Counted")...)
	require.NoError(t, err)

	// A snapshot at version 3 that differs from the true fold shows whether it was used.
	require.NoError(t, store.SaveSnapshot(ctx, "tally-1", 3, 2, tally{Sum: 100, Events: 3}))
	state, version, err := eventstore.FoldStreamFromSnapshot(ctx, store, "tally-1", 2, applyTally)
	require.NoError(t, err)
	require.Equal(t, tally{Sum: 107, Events: 5}, state, "snapshot plus events 4 and 5")
	require.Equal(t, int64(5), version)

	// A snapshot written for another layout of the state is never used.
	state, _, err = eventstore.FoldStreamFromSnapshot(ctx, store, "tally-1", 3, applyTally)
	require.NoError(t, err)
	require.Equal(t, tally{Sum: 10, Events: 5}, state)

	// An older snapshot never replaces a newer one.
	require.NoError(t, store.SaveSnapshot(ctx, "tally-1", 2, 2, tally{Sum: -1}))
	state, _, err = eventstore.FoldStreamFromSnapshot(ctx, store, "tally-1", 2, applyTally)
	require.NoError(t, err)
	require.Equal(t, 107, state.Sum)
}

func TestFoldStreamReportsAnEventItCannotApply(t *testing.T) {
	t.Parallel()
	store, _ := storetest.New(t)
	ctx := context.Background()
	_, err := store.Append(ctx, "tally-1", eventstore.NoStream(), event("Counted", "not an object"))
	require.NoError(t, err)
	_, _, err = eventstore.FoldStream(ctx, store, "tally-1", applyTally)
	require.ErrorContains(t, err, "apply Counted at tally-1/1")
}
