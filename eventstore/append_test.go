package eventstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/storetest"
)

func TestAppendThenReadStreamReturnsEventsWithTheirContext(t *testing.T) {
	t.Parallel()
	store, _ := storetest.New(t)
	ctx := context.Background()
	batch := events(3, "OrderCreated")
	batch[0].Metadata = eventstore.Metadata{User: "alice", CorrelationID: "order-1", CausationID: "cmd-1",
		WorkflowID: "order-1", RunID: "run-1"}

	res, err := store.Append(ctx, "order-1", eventstore.NoStream(), batch...)
	require.NoError(t, err)
	require.Equal(t, int64(3), res.StreamVersion)
	require.Len(t, res.GlobalPositions, 3)

	got, err := store.ReadStream(ctx, "order-1", eventstore.ReadOptions{})
	require.NoError(t, err)
	require.Len(t, got, 3)
	for i, e := range got {
		require.Equal(t, batch[i].ID, e.ID)
		require.Equal(t, "order-1", e.StreamName)
		require.Equal(t, "order", e.Category)
		require.Equal(t, int64(i+1), e.StreamPosition)
		require.Equal(t, res.GlobalPositions[i], e.GlobalPosition)
		require.Equal(t, "OrderCreated", e.Type)
		require.Equal(t, 1, e.SchemaVersion)
		require.JSONEq(t, string(batch[i].Data), string(e.Data))
		require.False(t, e.Metadata.RecordedAt.IsZero())
		require.NotZero(t, e.TransactionID)
	}
	want := batch[0].Metadata
	want.RecordedAt = got[0].Metadata.RecordedAt
	require.Equal(t, want, got[0].Metadata)
	require.Equal(t, got[0].TransactionID, got[2].TransactionID, "one append is one transaction")
}

func TestAppendChecksExpectedVersion(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		existing int // events already in the stream
		expected eventstore.ExpectedVersion
		ok       bool
	}{
		{"any on empty", 0, eventstore.Any(), true},
		{"any on existing", 2, eventstore.Any(), true},
		{"no stream on empty", 0, eventstore.NoStream(), true},
		{"no stream on existing", 2, eventstore.NoStream(), false},
		{"stream exists on empty", 0, eventstore.StreamExists(), false},
		{"stream exists on existing", 2, eventstore.StreamExists(), true},
		{"exact match", 2, eventstore.Exact(2), true},
		{"exact behind", 2, eventstore.Exact(1), false},
		{"exact ahead", 2, eventstore.Exact(3), false},
		{"exact zero on empty", 0, eventstore.Exact(0), true},
	}
	store, schema := storetest.New(t)
	ctx := context.Background()
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stream := streamName("case", i)
			if tc.existing > 0 {
				_, err := store.Append(ctx, stream, eventstore.NoStream(), events(tc.existing, "Seeded")...)
				require.NoError(t, err)
			}
			before := countEvents(t, schema)
			res, err := store.Append(ctx, stream, tc.expected, event("Appended", nil))
			if tc.ok {
				require.NoError(t, err)
				require.Equal(t, int64(tc.existing+1), res.StreamVersion)
				return
			}
			require.ErrorIs(t, err, eventstore.ErrWrongExpectedVersion)
			var wrong *eventstore.WrongExpectedVersionError
			require.True(t, errors.As(err, &wrong))
			require.Equal(t, stream, wrong.Stream)
			require.Equal(t, tc.expected, wrong.Expected)
			require.Equal(t, int64(tc.existing), wrong.Actual)
			require.Equal(t, before, countEvents(t, schema), "a refused append writes nothing")
		})
	}
}

// Many writers race for each version of one stream: exactly one wins each version and
// the stream's positions have no gaps.
func TestConcurrentAppendsToOneStreamExactlyOneWinsEachVersion(t *testing.T) {
	t.Parallel()
	store, _ := storetest.New(t)
	ctx := context.Background()
	const writers, versions = 12, 30

	wins := make([]int, versions+1)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for v := int64(0); v < versions; v++ {
				_, err := store.Append(ctx, "race-1", eventstore.Exact(v), event("Raced", map[string]int64{"v": v}))
				if err == nil {
					mu.Lock()
					wins[v]++
					mu.Unlock()
					continue
				}
				if !errors.Is(err, eventstore.ErrWrongExpectedVersion) {
					t.Errorf("unexpected error: %v", err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for v := 0; v < versions; v++ {
		require.Equalf(t, 1, wins[v], "version %d was won %d times", v, wins[v])
	}
	require.Equal(t, oneTo(versions), streamPositions(t, store, "race-1"))
}

// Appends with Any never conflict with each other and never leave gaps.
func TestConcurrentAnyAppendsAreGapless(t *testing.T) {
	t.Parallel()
	store, _ := storetest.New(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 25; i++ {
				_, err := store.Append(ctx, "busy-1", eventstore.Any(), events(2, "Busy")...)
				require.NoError(t, err)
			}
		}()
	}
	wg.Wait()
	require.Equal(t, oneTo(8*25*2), streamPositions(t, store, "busy-1"))
}

func TestRetriedAppendIsIdempotent(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	ctx := context.Background()
	batch := events(2, "CreditCardAuthorized")

	first, err := store.Append(ctx, "account-1", eventstore.NoStream(), batch...)
	require.NoError(t, err)
	_, err = store.Append(ctx, "account-1", eventstore.Exact(2), event("Later", nil))
	require.NoError(t, err)

	// The retry carries the expected version of its first attempt, now stale.
	again, err := store.Append(ctx, "account-1", eventstore.NoStream(), batch...)
	require.NoError(t, err)
	require.Equal(t, first, again)
	require.Equal(t, 3, countEvents(t, schema))
}

func TestConcurrentRetriesOfOneAppendStoreItOnce(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	ctx := context.Background()
	batch := events(3, "TicketCreated")
	results := make([]eventstore.AppendResult, 8)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := store.Append(ctx, "ticket-1", eventstore.NoStream(), batch...)
			require.NoError(t, err)
			results[i] = res
		}()
	}
	wg.Wait()
	for _, r := range results {
		require.Equal(t, results[0], r)
	}
	require.Equal(t, 3, countEvents(t, schema))
}

func TestReusedEventIDWithOtherContentIsRefused(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	ctx := context.Background()
	original := event("OrderCreated", map[string]string{"a": "b"})
	_, err := store.Append(ctx, "order-1", eventstore.Any(), original)
	require.NoError(t, err)

	otherData := original
	otherData.Data = json.RawMessage(`{"a":"c"}`)
	otherType := original
	otherType.Type = "OrderApproved"
	for name, tc := range map[string]struct {
		stream string
		events []eventstore.EventData
	}{
		"other data":         {"order-1", []eventstore.EventData{otherData}},
		"other type":         {"order-1", []eventstore.EventData{otherType}},
		"other stream":       {"order-2", []eventstore.EventData{original}},
		"batch partly known": {"order-1", []eventstore.EventData{original, event("New", nil)}},
	} {
		_, err := store.Append(ctx, tc.stream, eventstore.Any(), tc.events...)
		require.ErrorIs(t, err, eventstore.ErrDuplicateEventID, name)
	}
	require.Equal(t, 1, countEvents(t, schema))
}

func TestAppendRefusesBadInputAndWritesNothing(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	ctx := context.Background()
	valid := event("Valid", map[string]int{"x": 1})
	with := func(change func(*eventstore.EventData)) []eventstore.EventData {
		e := valid
		e.ID = uuid.New()
		change(&e)
		return []eventstore.EventData{e}
	}
	dupID := event("Dup", nil)
	tooMany := events(eventstore.MaxBatchEvents+1, "Many")
	bigData := json.RawMessage(`"` + strings.Repeat("x", eventstore.MaxEventSize) + `"`)
	var tooBig []eventstore.EventData
	for i := 0; i < 40; i++ {
		e := event("Big", nil)
		e.Data = json.RawMessage(`"` + strings.Repeat("y", 250<<10) + `"`)
		tooBig = append(tooBig, e)
	}
	cases := map[string]struct {
		stream string
		events []eventstore.EventData
	}{
		"empty stream name":     {"", []eventstore.EventData{valid}},
		"stream name too long":  {strings.Repeat("s", eventstore.MaxStreamNameLength+1), []eventstore.EventData{valid}},
		"stream name not utf-8": {"order-\xff", []eventstore.EventData{valid}},
		"no events":             {"order-1", nil},
		"nil id":                {"order-1", with(func(e *eventstore.EventData) { e.ID = uuid.Nil })},
		"empty type":            {"order-1", with(func(e *eventstore.EventData) { e.Type = "" })},
		"schema version 0":      {"order-1", with(func(e *eventstore.EventData) { e.SchemaVersion = 0 })},
		// The column is a PostgreSQL int: 1<<32+1 would be stored as schema version 1.
		"schema version past int": {"order-1", with(func(e *eventstore.EventData) { e.SchemaVersion = 1<<32 + 1 })},
		"invalid json":            {"order-1", with(func(e *eventstore.EventData) { e.Data = json.RawMessage(`{"a":`) })},
		"empty data":              {"order-1", with(func(e *eventstore.EventData) { e.Data = nil })},
		"nul in metadata":         {"order-1", with(func(e *eventstore.EventData) { e.Metadata.User = "a\x00b" })},
		"metadata not utf-8":      {"order-1", with(func(e *eventstore.EventData) { e.Metadata.CorrelationID = "\xff" })},
		"event too large":         {"order-1", with(func(e *eventstore.EventData) { e.Data = bigData })},
		"too many events":         {"order-1", tooMany},
		"batch too large":         {"order-1", tooBig},
		"id twice in batch":       {"order-1", []eventstore.EventData{dupID, dupID}},
	}
	for name, tc := range cases {
		_, err := store.Append(ctx, tc.stream, eventstore.Any(), tc.events...)
		require.ErrorIs(t, err, eventstore.ErrInvalidInput, name)
	}
	require.Equal(t, 0, countEvents(t, schema))
}

func TestStoredEventsCannotBeChangedOrDeleted(t *testing.T) {
	t.Parallel()
	store, schema := storetest.New(t)
	ctx := context.Background()
	_, err := store.Append(ctx, "order-1", eventstore.NoStream(), event("OrderCreated", nil))
	require.NoError(t, err)
	for _, sql := range []string{
		`update events set data = '{"forged":true}'`,
		`delete from events`,
		`truncate events`,
	} {
		_, err := schema.Pool.Exec(ctx, sql)
		require.ErrorContains(t, err, "events are immutable", sql)
	}
	require.Equal(t, 1, countEvents(t, schema))
}

// Two processes on one store: the second knows version 3 from reading the stream, the
// first appends meanwhile. The second's append at its known version must still be
// refused, though it skips reading the stream's head (the unique key refuses it).
func TestAppendAtAStaleKnownVersionIsAConflict(t *testing.T) {
	t.Parallel()
	first, schema := storetest.New(t)
	second := eventstore.New(schema.Pool, eventstore.WithChannel(schema.Name))
	t.Cleanup(second.Close)
	ctx := context.Background()
	_, err := first.Append(ctx, "shared-1", eventstore.NoStream(), events(3, "E")...)
	require.NoError(t, err)
	_, version, err := eventstore.FoldStream(ctx, second, "shared-1", func(*int, eventstore.RecordedEvent) error { return nil })
	require.NoError(t, err)
	require.Equal(t, int64(3), version)

	_, err = first.Append(ctx, "shared-1", eventstore.Exact(3), event("E", nil))
	require.NoError(t, err)
	_, err = second.Append(ctx, "shared-1", eventstore.Exact(3), event("E", nil))
	var wrong *eventstore.WrongExpectedVersionError
	require.ErrorAs(t, err, &wrong)
	require.Equal(t, int64(4), wrong.Actual)
	// A version ahead of the stream is refused too, and nothing leaves a gap.
	_, err = second.Append(ctx, "shared-1", eventstore.Exact(7), event("E", nil))
	require.ErrorAs(t, err, &wrong)
	require.Equal(t, oneTo(4), streamPositions(t, second, "shared-1"))

	_, err = second.Append(ctx, "shared-1", eventstore.Exact(4), events(2, "E")...)
	require.NoError(t, err)
	require.Equal(t, oneTo(6), streamPositions(t, first, "shared-1"))
}
