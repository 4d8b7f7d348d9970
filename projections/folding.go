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
	load     func(ctx context.Context, tx pgx.Tx, id uuid.UUID) (V, error) // pgx.ErrNoRows when absent
	unfold   func(V) (S, rowMeta)
	render   func(S, rowMeta) V
	save     func(ctx context.Context, tx pgx.Tx, v V) error
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

// handler applies one event to its row, in the subscription's transaction.
func (f folding[S, V]) handler(reg *event.Registry, log *slog.Logger) eventstore.Handler {
	return func(ctx context.Context, tx pgx.Tx, e eventstore.RecordedEvent) error {
		id, ok := event.StreamID(f.category, e.StreamName)
		if !ok {
			log.Warn("ignoring an event of a stream of another kind", "view", f.what, "stream", e.StreamName, "event_id", e.ID)
			return nil
		}
		ev, err := decode(reg, log, e)
		if err != nil {
			return err
		}
		var state S
		meta := rowMeta{ID: id, CreatedAt: e.Metadata.RecordedAt}
		current, err := f.load(ctx, tx, id)
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
		return f.save(ctx, tx, f.render(state, meta))
	}
}

// fold advances a row by one event of its stream: the state by the decoded event (nil
// for a type this build does not know, which still moves the version on), the meta to
// the event's position and time. The handler and Verify's replay both fold through it,
// so that the replay is what the handler does.
func (f folding[S, V]) fold(state *S, meta *rowMeta, ev event.Event, e eventstore.RecordedEvent) {
	if ev != nil {
		f.apply(state, ev)
	}
	meta.Version, meta.UpdatedAt = e.StreamPosition, e.Metadata.RecordedAt.UTC()
}
