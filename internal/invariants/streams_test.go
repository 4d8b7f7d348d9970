package invariants_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/orderflow/orderflow/domain/order"
	"github.com/orderflow/orderflow/internal/invariants"
)

// insertRaw writes a row past the store's Append, as a bad restore or a hand-made fix
// could; inserts are the one change the schema's triggers allow.
func (w *world) insertRaw(id uuid.UUID, stream string, position int64) {
	w.t.Helper()
	_, err := w.schema.Pool.Exec(context.Background(), `insert into events
		(event_id, stream_name, category, stream_position, event_type, schema_version, data)
		values ($1, $2, 'order', $3, 'OrderDelivered', 1, $4)`,
		id, stream, position, `{"order_id":"`+stream[len("order-"):]+`"}`)
	require.NoError(w.t, err)
}

func TestCheckStreamsFindsGaps(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 10_000)
	ctx := context.Background()
	healthy := w.approved()
	gappy := w.approved() // order stream at version 2
	w.insertRaw(uuid.New(), order.StreamName(gappy), 5)

	vs, err := invariants.CheckStreams(ctx, w.st.Events)
	require.NoError(t, err)
	require.Equal(t, []invariants.Violation{{Stream: order.StreamName(gappy), Rule: invariants.RuleGapless,
		Detail: "positions 3 to 4 are missing"}}, vs)

	// Verify sees the same gap in its single pass, and nothing about the healthy order.
	r, err := invariants.Verify(ctx, w.st, invariants.Options{})
	require.NoError(t, err)
	require.Equal(t, vs, r.Violations[:1])
	for _, v := range r.Violations {
		require.NotEqual(t, healthy, v.OrderID)
	}
}

func TestCheckStreamsFindsRepeatedEventIDs(t *testing.T) {
	t.Parallel()
	w := newWorld(t, 10_000)
	ctx := context.Background()
	id := w.approved()
	stored, err := w.st.Events.ReadLast(ctx, order.StreamName(id))
	require.NoError(t, err)
	// Only a store that lost its unique key can hold a repeated id: drop it.
	_, err = w.schema.Pool.Exec(ctx, `alter table events drop constraint events_event_id_key`)
	require.NoError(t, err)
	w.insertRaw(stored.ID, order.StreamName(id), 3)

	vs, err := invariants.CheckStreams(ctx, w.st.Events)
	require.NoError(t, err)
	require.Equal(t, []invariants.Violation{{Stream: order.StreamName(id), Rule: invariants.RuleUniqueEventID,
		Detail: "event id " + stored.ID.String() + " is stored 2 times: " + order.StreamName(id) + "/2, " + order.StreamName(id) + "/3"}}, vs)

	r, err := invariants.Verify(ctx, w.st, invariants.Options{})
	require.NoError(t, err)
	require.Contains(t, r.Violations, vs[0])
}
