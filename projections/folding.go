package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/eventstore"
)

// folding describes a read model whose row is one aggregate's state, folded from its
// stream with the aggregate's own Apply, so the view can never disagree with the write
// side. Both read models are of this kind; only their types and tables differ.
type folding[S, V any] struct {
	what     string // for errors: "order view"
	category string // the aggregate's stream category
	creation string // the event type that starts a stream
	apply    func(*S, event.Event)
	// load and save read and write one row of table: the live table, or the one a
	// rebuild fills beside it.
	load   func(ctx context.Context, tx pgx.Tx, table string, id uuid.UUID) (V, error) // pgx.ErrNoRows when absent
	unfold func(V) (S, rowMeta)
	render func(S, rowMeta) V
	save   func(ctx context.Context, tx pgx.Tx, table string, v V) error
	// selectAll and scan read every row, for comparing the table with a replay.
	selectAll string
	scan      func(pgx.Row) (V, error)
}

// rowMeta is what every folded row records besides the state.
type rowMeta struct {
	ID uuid.UUID
	// Version is the stream position of the last event applied: an event at or below
	// it was applied before (a replay or a second delivery) and is skipped.
	Version              int64
	CreatedAt, UpdatedAt time.Time // the events' recorded_at, so a rebuild gives the same rows
}

// handler applies one event to its row of table, in the subscription's transaction.
func (f folding[S, V]) handler(reg *event.Registry, log *slog.Logger, table string) eventstore.Handler {
	table = pgx.Identifier{table}.Sanitize()
	return func(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
		id, ok := event.StreamID(f.category, e.StreamName)
		if !ok {
			log.Warn("ignoring an event of a stream of another kind", "view", f.what, "stream", e.StreamName, "event_id", e.ID)
			return nil
		}
		ev, err := decode(reg, e)
		if err != nil {
			return err
		}
		var state S
		meta := rowMeta{ID: id, CreatedAt: e.Metadata.RecordedAt}
		current, err := f.load(ctx, tx, table, id)
		switch {
		case err == nil:
			state, meta = f.unfold(current)
			if e.StreamPosition <= meta.Version {
				return nil // already applied
			}
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		case e.Type != f.creation:
			return fmt.Errorf("%s: %s at %s/%d precedes the stream's %s", f.what, e.Type, e.StreamName, e.StreamPosition, f.creation)
		}
		f.fold(&state, &meta, ev, e)
		return f.save(ctx, tx, table, f.render(state, meta))
	}
}

// decode turns a stored event into its domain value. What this build does not
// understand, an unknown type or a schema version newer than it reads, is
// ErrNotUnderstood, and so stops the projection at the event without marking it
// processed: a build that understands it (the next one in a rolling deploy) applies it
// where this one stopped. Skipping it instead would serve a view that lacks the event
// and claims its version, and no later build would ever apply it.
func decode(reg *event.Registry, e eventstore.RecordedEvent) (event.Event, error) {
	ev, err := reg.Decode(e.Type, e.SchemaVersion, e.Data)
	if errors.Is(err, event.ErrUnknownEventType) || errors.Is(err, event.ErrUnsupportedSchemaVersion) {
		return nil, fmt.Errorf("%w: %w", ErrNotUnderstood, err)
	}
	return ev, err
}

// fold advances a row by one event of its stream: the state by the decoded event, the
// meta to the event's position and time. The handler and Verify's replay both fold
// through it, so that the replay is what the handler does.
func (f folding[S, V]) fold(state *S, meta *rowMeta, ev event.Event, e eventstore.RecordedEvent) {
	f.apply(state, ev)
	meta.Version, meta.UpdatedAt = e.StreamPosition, e.Metadata.RecordedAt.UTC()
}
