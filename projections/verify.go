package projections

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/eventstore"
)

// Mismatch is a read model row that is not what a fresh replay of its stream gives,
// or a checkpoint that is not where it may be.
type Mismatch struct {
	Projection string    `json:"projection"`
	ID         uuid.UUID `json:"id,omitzero"`
	Detail     string    `json:"detail"`
}

// Verify compares every read model with a fresh replay of the event store, in tx (a
// repeatable-read snapshot; Verify only reads). Each projection is replayed up to its
// own checkpoint, the events it has committed the effect of, so a projector that is
// behind is not a mismatch but a row that differs from the replay of the same events
// is; and each checkpoint must name a place at or behind the store's horizon: the
// last event stored. It returns the rows compared and the mismatches.
func Verify(ctx context.Context, tx pgx.Tx, reg *event.Registry) (rows int, mismatches []Mismatch, err error) {
	var last eventstore.Checkpoint
	err = tx.QueryRow(ctx, `select transaction_id, global_position from events
		order by transaction_id desc, global_position desc limit 1`).Scan(&last.TransactionID, &last.GlobalPosition)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, fmt.Errorf("projections: read the horizon: %w", err)
	}
	for _, p := range catalog {
		var cp eventstore.Checkpoint
		err := tx.QueryRow(ctx, `select transaction_id, global_position from subscription_checkpoints
			where subscription_name = $1`, p.name).Scan(&cp.TransactionID, &cp.GlobalPosition)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return rows, mismatches, fmt.Errorf("projections: read %s's checkpoint: %w", p.name, err)
		}
		if last.Before(cp) {
			mismatches = append(mismatches, Mismatch{Projection: p.name,
				Detail: fmt.Sprintf("checkpoint %s is past the last event stored, %s", cp, last)})
		}
		n, found, err := p.verify(ctx, tx, reg, cp)
		rows += n
		if err != nil {
			return rows, mismatches, err
		}
		mismatches = append(mismatches, found...)
	}
	return rows, mismatches, nil
}

// verify is Verify for one projection, through its folding.
func (p projection) verify(ctx context.Context, tx pgx.Tx, reg *event.Registry, cp eventstore.Checkpoint) (int, []Mismatch, error) {
	switch p.name {
	case OrderViewProjection:
		return orderView.verify(ctx, tx, reg, p, cp)
	case KitchenTicketsProjection:
		return kitchenTickets.verify(ctx, tx, reg, p, cp)
	case RestaurantViewProjection:
		return restaurantView.verify(ctx, tx, reg, p, cp)
	case ConsumerViewProjection:
		return consumerView.verify(ctx, tx, reg, p, cp)
	case AccountViewProjection:
		return accountView.verify(ctx, tx, reg, p, cp)
	}
	return 0, nil, fmt.Errorf("projections: no replay check for %s", p.name)
}

// verify folds the events of f's streams up to cp, exactly as the handler does, and
// compares the rows it renders with the table's.
func (f folding[S, V]) verify(ctx context.Context, tx pgx.Tx, reg *event.Registry, p projection, cp eventstore.Checkpoint) (int, []Mismatch, error) {
	type folded struct {
		state S
		meta  rowMeta
	}
	want := map[uuid.UUID]*folded{}
	events, _ := tx.Query(ctx, `select stream_name, event_type, schema_version, data, recorded_at, stream_position
		from events where category = $1 and (transaction_id, global_position) <= ($2::xid8, $3::bigint)
			and event_id not in (select event_id from subscription_skips where subscription_name = $4)
		order by stream_name, stream_position`, f.category, cp.TransactionID, cp.GlobalPosition, p.name)
	var (
		e       eventstore.RecordedEvent
		version int32
	)
	_, err := pgx.ForEachRow(events, []any{&e.StreamName, &e.Type, &version, &e.Data, &e.Metadata.RecordedAt, &e.StreamPosition}, func() error {
		e.SchemaVersion = int(version)
		id, ok := event.StreamID(f.category, e.StreamName)
		if !ok {
			return nil // the handler passes these over too
		}
		ev, err := decode(reg, e)
		if err != nil {
			return err
		}
		row := want[id]
		if row == nil {
			row = &folded{meta: rowMeta{ID: id, CreatedAt: e.Metadata.RecordedAt.UTC()}}
			want[id] = row
		}
		f.fold(&row.state, &row.meta, ev, e)
		return nil
	})
	if err != nil {
		return 0, nil, fmt.Errorf("projections: replay %s: %w", p.name, err)
	}
	have := map[uuid.UUID]V{}
	rows, _ := tx.Query(ctx, f.selectAll)
	for rows.Next() {
		v, err := f.scan(rows)
		if err != nil {
			rows.Close()
			return 0, nil, fmt.Errorf("projections: read %s: %w", p.table, err)
		}
		_, meta := f.unfold(v)
		have[meta.ID] = v
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("projections: read %s: %w", p.table, err)
	}

	var out []Mismatch
	ids := slices.SortedFunc(maps.Keys(union(want, have)), func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	for _, id := range ids {
		w, wanted := want[id]
		h, had := have[id]
		switch {
		case !had:
			out = append(out, Mismatch{Projection: p.name, ID: id, Detail: "no row, but its stream has events the projection has processed"})
		case !wanted:
			out = append(out, Mismatch{Projection: p.name, ID: id, Detail: "a row, but its stream has no event the projection has processed"})
		default:
			wantJSON, _ := json.Marshal(f.render(w.state, w.meta))
			haveJSON, _ := json.Marshal(h)
			if !bytes.Equal(wantJSON, haveJSON) {
				out = append(out, Mismatch{Projection: p.name, ID: id,
					Detail: fmt.Sprintf("row %s, replay %s", haveJSON, wantJSON)})
			}
		}
	}
	return len(have), out, nil
}

func union[A, B any](a map[uuid.UUID]A, b map[uuid.UUID]B) map[uuid.UUID]struct{} {
	out := make(map[uuid.UUID]struct{}, len(a)+len(b))
	for id := range a {
		out[id] = struct{}{}
	}
	for id := range b {
		out[id] = struct{}{}
	}
	return out
}
