package eventstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Replacement describes a subscription that is to take another's place: a new version
// of a read model built beside the live one (blue/green), or a replay with new code.
type Replacement struct {
	// Live is the name of the subscription being replaced. Its checkpoint moves to
	// Next's at the handover; it need not be running, or ever have run.
	Live string
	// Next is the replacement: a subscription of its own (its own name, checkpoint and
	// effects), delivered the same events as Live.
	Next Subscription
	// Prepare runs, in a transaction, before Next delivers anything: fresh is true when
	// Next starts from the beginning of the log, false when it resumes an interrupted
	// replacement. It sets up what Next's handler writes to.
	Prepare func(ctx context.Context, tx pgx.Tx, fresh bool) error
	// Swap runs in the handover transaction, once Next has delivered every event Live
	// has: it puts Next's effects where Live's were (renames tables, say). It must be
	// quick: Live's subscription waits for it, and so does whatever Swap locks.
	Swap func(ctx context.Context, tx pgx.Tx) error
}

// Replace runs r.Next from the start of the log (or from where an interrupted Replace
// left it) until it has caught up, and then hands it Live's place in one transaction:
// with Live's checkpoint row locked, so that no batch of Live runs meanwhile, it
// delivers Next the last events, checks that Next has reached Live's checkpoint, runs
// r.Swap, moves Live's checkpoint to Next's and removes Next's. Whoever reads Live's
// effects sees them as they were until that commit and as Next made them after it, and
// Next never stands behind Live: nothing goes back in time. A running subscription
// named Live carries on from the new checkpoint with its next batch.
//
// Only one Replace of a given Next runs at a time; a second waits for the first. The
// log is read as Subscribe reads it, so events still being written are delivered too.
// The processed-event records of an Idempotent Next stay under Next's consumer name:
// the caller moves them (MoveProcessed) once Replace returns.
func (s *Store) Replace(ctx context.Context, r Replacement) error {
	if r.Live == "" || r.Next.Name == "" || r.Next.Name == r.Live || r.Next.Handler == nil || r.Swap == nil {
		return invalid("a replacement needs a live subscription, a differently named next one with a handler, and a swap")
	}
	if r.Next.BatchSize <= 0 {
		r.Next.BatchSize = 500
	}
	if r.Next.Logger == nil {
		r.Next.Logger = slog.Default()
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("eventstore: replace %s: %w", r.Live, err)
	}
	// Next's advisory lock, held for the whole replacement, keeps a second Replace (or a
	// Subscribe of Next) out. It is a session lock, so the connection is closed rather
	// than returned to the pool: the lock goes with it.
	defer func() { _ = conn.Hijack().Close(context.WithoutCancel(ctx)) }()
	if err := s.waitForOwnership(ctx, conn.Conn(), r.Next); err != nil {
		return fmt.Errorf("eventstore: replace %s: %w", r.Live, err)
	}
	if err := s.prepareReplacement(ctx, r); err != nil {
		return fmt.Errorf("eventstore: replace %s: prepare: %w", r.Live, err)
	}
	// Catch up outside the handover, so that it has little left to do. A handler that
	// fails is tried again, as Subscribe would, for as long as it gets somewhere; one
	// stuck on an event ends the replacement, stopped there (SubscriptionStatus of
	// Next), to be resumed by running it again.
	var stuckAt uuid.UUID // the event that failed last, and how often in a row
	stuck, delay := 0, minFailedDelay
	failedAt := func(failed *HandlerError, progressed bool) bool {
		if progressed || failed.Event.ID != stuckAt {
			stuckAt, stuck, delay = failed.Event.ID, 0, minFailedDelay
		}
		stuck++
		return stuck == replaceAttempts
	}
	//
	// Caught up means a short batch, even with events held back behind a transaction
	// still running (see heldBack): no reader of the log may take them before it ends,
	// and on a busy store one always runs. They come after the handover's checkpoint,
	// so the live subscription takes them into the rebuilt view.
	for {
		handled, _, err := s.handleBatch(ctx, r.Next)
		var failed *HandlerError
		switch {
		case err == nil && handled < r.Next.BatchSize:
		case err == nil:
			continue
		case !errors.As(err, &failed) || failedAt(failed, handled > 0):
			return fmt.Errorf("eventstore: replace %s: %w", r.Live, err)
		default:
			if !sleep(ctx, delay) {
				return ctx.Err()
			}
			delay = min(2*delay, maxRetryDelay)
			continue
		}
		err = s.handOver(ctx, r)
		if err == nil {
			return nil
		}
		if errors.Is(err, errNextBehind) {
			// A live batch in flight when the handover began read events committed
			// after the handover's horizon. Next takes them once they can be read: a
			// horizon only moves on.
			if !sleep(ctx, minFailedDelay) {
				return ctx.Err()
			}
			continue
		}
		if !errors.As(err, &failed) || failedAt(failed, false) {
			return fmt.Errorf("eventstore: replace %s: hand over: %w", r.Live, err)
		}
		// A handler failed in the handover, which commits nothing: catch up again
		// (committing what it can) and hand over again.
	}
}

// errNextBehind is a handover that found Next behind Live's checkpoint.
var errNextBehind = errors.New("the replacement is behind the live subscription")

// replaceAttempts is how often in a row Replace tries an event that keeps failing.
const replaceAttempts = 5

// prepareReplacement creates both checkpoint rows (Next's at the start of the log
// unless it is resuming) and runs r.Prepare.
func (s *Store) prepareReplacement(ctx context.Context, r Replacement) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `insert into subscription_checkpoints (subscription_name, transaction_id, global_position)
			values ($1, '0', 0) on conflict do nothing`, r.Live); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `insert into subscription_checkpoints (subscription_name, transaction_id, global_position)
			values ($1, '0', 0) on conflict do nothing`, r.Next.Name)
		if err != nil {
			return err
		}
		if r.Prepare == nil {
			return nil
		}
		return r.Prepare(ctx, tx, tag.RowsAffected() == 1)
	})
}

// handOver is the transaction that gives Next Live's place.
func (s *Store) handOver(ctx context.Context, r Replacement) error {
	var last Checkpoint
	var handled int
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Live's row first, as Live's batches lock it: a batch in flight commits before
		// we read its checkpoint, and the next one waits until we are done. The horizon
		// is taken as deliver takes it (see there).
		var live, next Checkpoint
		var horizon uint64
		if err := tx.QueryRow(ctx, `select transaction_id, global_position, pg_snapshot_xmin(pg_current_snapshot())
			from subscription_checkpoints where subscription_name = $1 for update`,
			r.Live).Scan(&live.TransactionID, &live.GlobalPosition, &horizon); err != nil {
			return fmt.Errorf("lock %s: %w", r.Live, err)
		}
		if err := tx.QueryRow(ctx, `select transaction_id, global_position from subscription_checkpoints
			where subscription_name = $1 for update`, r.Next.Name).Scan(&next.TransactionID, &next.GlobalPosition); err != nil {
			return fmt.Errorf("lock %s: %w", r.Next.Name, err)
		}
		for {
			events, err := readAll(ctx, tx, next, r.Next.Filter, r.Next.BatchSize, &horizon)
			if err != nil {
				return err
			}
			if err := handleAll(ctx, tx, r.Next.Handler, events); err != nil {
				return err
			}
			if len(events) > 0 {
				next = events[len(events)-1].Checkpoint()
				handled += len(events)
			}
			if len(events) < r.Next.BatchSize {
				break
			}
		}
		if next.Before(live) {
			return fmt.Errorf("%w: %s stands at %s, behind %s at %s", errNextBehind, r.Next.Name, next, r.Live, live)
		}
		if err := r.Swap(ctx, tx); err != nil {
			return fmt.Errorf("swap: %w", err)
		}
		if err := advance(ctx, tx, r.Live, next); err != nil {
			return err
		}
		// Skips describe what a view lacks; the view now is Next's.
		if _, err := tx.Exec(ctx, `delete from subscription_skips where subscription_name = $1`, r.Live); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `update subscription_skips set subscription_name = $1 where subscription_name = $2`,
			r.Live, r.Next.Name); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `delete from subscription_checkpoints where subscription_name = $1`, r.Next.Name)
		last = next
		return err
	})
	if err == nil && handled > 0 && r.Next.OnBatch != nil {
		r.Next.OnBatch(handled, last)
	}
	return err
}

// MoveProcessed hands the processed-event records of consumer from to consumer to, in
// small transactions so that no reader or writer waits long on them; a record to
// already has is dropped. It is how a replacement's records (Replace) become the live
// consumer's, and it may be run again after an interruption.
func (s *Store) MoveProcessed(ctx context.Context, from, to string) error {
	for {
		tag, err := s.pool.Exec(ctx, `with moved as (
				delete from processed_events where consumer = $1 and event_id in (
					select event_id from processed_events where consumer = $1 limit 5000)
				returning event_id, processed_at)
			insert into processed_events (consumer, event_id, processed_at)
			select $2, event_id, processed_at from moved on conflict do nothing`, from, to)
		if err != nil {
			return fmt.Errorf("eventstore: move processed events of %s to %s: %w", from, to, err)
		}
		if tag.RowsAffected() == 0 {
			// Nothing inserted: either nothing was left, or every record was already to's.
			var left bool
			if err := s.pool.QueryRow(ctx, `select exists (select 1 from processed_events where consumer = $1)`,
				from).Scan(&left); err != nil {
				return fmt.Errorf("eventstore: move processed events of %s to %s: %w", from, to, err)
			}
			if !left {
				return nil
			}
		}
	}
}
