package projections

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Rebuild drops a read model so that it is built again from the event store: in one
// transaction it empties the projection's table, forgets which events it processed and
// moves its checkpoint back to the start of the log. A running projector notices on its
// next poll or append and replays the whole log into the table; with none running, the
// next start does. Until the replay catches up, queries see a partial view.
//
// It is safe while a projector runs. The checkpoint row is locked first, as every
// subscription batch locks it before it reads events (eventstore's handleBatch): a batch
// in flight finishes and commits before the reset, and the next batch starts from the
// reset checkpoint, so no batch can write rows from the old checkpoint into the emptied
// table. Taking the locks in the same order as the batches also rules out a deadlock.
func Rebuild(ctx context.Context, pool *pgxpool.Pool, name string) error {
	p, err := lookup(name)
	if err != nil {
		return err
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// The row may not exist yet (the projection never ran); create it so there is
		// something to lock, as Subscribe would.
		if _, err := tx.Exec(ctx, `insert into subscription_checkpoints (subscription_name, transaction_id, global_position)
			values ($1, '0', 0) on conflict do nothing`, p.name); err != nil {
			return fmt.Errorf("create checkpoint: %w", err)
		}
		if _, err := tx.Exec(ctx, `select 1 from subscription_checkpoints where subscription_name = $1 for update`,
			p.name); err != nil {
			return fmt.Errorf("lock checkpoint: %w", err)
		}
		// TRUNCATE waits for readers of the table to finish and holds them off until we
		// commit: they see the old view or the emptied one, never a half-deleted one.
		if _, err := tx.Exec(ctx, "truncate table "+pgx.Identifier{p.table}.Sanitize()); err != nil {
			return fmt.Errorf("truncate %s: %w", p.table, err)
		}
		if _, err := tx.Exec(ctx, `delete from processed_events where consumer = $1`, p.name); err != nil {
			return fmt.Errorf("forget processed events: %w", err)
		}
		if _, err := tx.Exec(ctx, `update subscription_checkpoints set transaction_id = '0', global_position = 0,
			updated_at = now() where subscription_name = $1`, p.name); err != nil {
			return fmt.Errorf("reset checkpoint: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("projections: rebuild %s: %w", name, err)
	}
	return nil
}
