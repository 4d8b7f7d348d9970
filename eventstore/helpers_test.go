package eventstore_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/internal/pgtest"
)

// newStore is a store on a fresh, migrated schema of its own, with its own
// notification channel so that other tests' appends do not wake its subscribers.
func newStore(tb testing.TB) (*eventstore.Store, pgtest.Schema) {
	tb.Helper()
	schema := pgtest.NewSchema(tb, eventstore.Migrations)
	store := eventstore.New(schema.Pool, eventstore.WithChannel(schema.Name))
	tb.Cleanup(store.Close)
	return store, schema
}

func event(typ string, data any) eventstore.EventData {
	raw, err := json.Marshal(data)
	if err != nil {
		panic(err)
	}
	return eventstore.EventData{
		ID: uuid.New(), Type: typ, SchemaVersion: 1, Data: raw,
		Metadata: eventstore.Metadata{User: "tester", CorrelationID: "corr-1"},
	}
}

func events(n int, typ string) []eventstore.EventData {
	out := make([]eventstore.EventData, n)
	for i := range out {
		out[i] = event(typ, map[string]int{"n": i})
	}
	return out
}

func countEvents(tb testing.TB, schema pgtest.Schema) int {
	tb.Helper()
	var n int
	require.NoError(tb, schema.Pool.QueryRow(context.Background(), "select count(*) from events").Scan(&n))
	return n
}

func streamPositions(tb testing.TB, store *eventstore.Store, stream string) []int64 {
	tb.Helper()
	recorded, err := store.ReadStream(context.Background(), stream, eventstore.ReadOptions{})
	require.NoError(tb, err)
	positions := make([]int64, len(recorded))
	for i, e := range recorded {
		positions[i] = e.StreamPosition
	}
	return positions
}

func oneTo(n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = int64(i + 1)
	}
	return out
}

func streamName(prefix string, i int) string { return fmt.Sprintf("%s-%d", prefix, i) }

// insertEvent appends one event the way Append does, but inside tx, so that a test can
// hold the transaction open after the event has taken its global position.
func insertEvent(ctx context.Context, tx pgx.Tx, stream string, id uuid.UUID) error {
	_, err := tx.Exec(ctx, `insert into events (event_id, stream_name, category, stream_position, event_type,
		schema_version, data)
		select $2, $1, split_part($1, '-', 1), coalesce(max(stream_position), 0) + 1, 'Written', 1, '{}'
		  from events where stream_name = $1`, stream, id)
	return err
}
