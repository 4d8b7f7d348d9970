package eventstore

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Once runs effect at most once per consumer and event: it records the event as
// processed in tx and runs effect only if that record is new. Because the record and
// the effect share tx, they commit or roll back together: a crash after the effect but
// before commit leaves neither, and the retry runs the effect again exactly once.
func Once(ctx context.Context, tx pgx.Tx, consumer string, eventID uuid.UUID, effect func() error) error {
	tag, err := tx.Exec(ctx,
		`insert into processed_events (consumer, event_id) values ($1, $2) on conflict do nothing`,
		consumer, eventID)
	if err != nil {
		return fmt.Errorf("eventstore: record processed event: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return nil
	}
	return effect()
}

// Idempotent wraps a subscription handler so that it runs at most once per event for
// consumer, even if the same event reaches it twice (a checkpoint reset, a rebuild that
// keeps processed ids, or a second subscription feeding the same consumer).
func Idempotent(consumer string, h Handler) Handler {
	return func(ctx context.Context, tx pgx.Tx, e RecordedEvent) error {
		return Once(ctx, tx, consumer, e.ID, func() error { return h(ctx, tx, e) })
	}
}
