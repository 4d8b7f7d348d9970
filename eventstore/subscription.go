package eventstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
)

// Handler applies one event's effect inside tx. The effect, the subscription's
// checkpoint (and a processed-event record, see Idempotent) commit together, so an
// event's effect is never lost and never repeated. Returning an error rolls the whole
// batch back; the subscription retries it with backoff.
type Handler func(ctx context.Context, tx pgx.Tx, e RecordedEvent) error

// BatchHandler applies a whole batch's effect inside tx, events in commit order: for a
// handler that does its work for many events at once (the NATS relay publishes a batch
// and waits for every acknowledgement before the checkpoint commits). As with Handler,
// returning an error rolls the batch back and the subscription retries it with backoff.
type BatchHandler func(ctx context.Context, tx pgx.Tx, events []RecordedEvent) error

// Subscription is a named, checkpointed catch-up subscription: it delivers every event
// that matches Filter exactly once, in commit order (see ReadAll), first catching up
// from its checkpoint and then following new appends as they commit.
type Subscription struct {
	Name   string
	Filter Filter
	// Handler is given each event; HandleBatch, set instead, each batch whole.
	Handler     Handler
	HandleBatch BatchHandler
	// BatchSize events are handled in one transaction (default 500).
	BatchSize int
	// PollInterval is how often to look for events without a notification (default 1s):
	// the fallback for lost notifications and for events held back by the horizon.
	PollInterval time.Duration
	// OnBatch, if set, is told after each committed batch: for metrics and tests.
	OnBatch func(handled int, last Checkpoint)
	Logger  *slog.Logger
}

const (
	maxRetryDelay = 30 * time.Second
	// How soon to look again for events held back behind a running transaction.
	minHeldBackDelay = 5 * time.Millisecond
	maxHeldBackDelay = 500 * time.Millisecond
)

// Subscribe runs sub until ctx ends and then returns ctx's error. Only one process
// advances a subscription at a time: others wait on standby and take over when it
// stops. A dropped connection or a failing handler is retried with backoff, resuming
// from the last committed checkpoint.
func (s *Store) Subscribe(ctx context.Context, sub Subscription) error {
	if sub.Name == "" || (sub.Handler == nil) == (sub.HandleBatch == nil) {
		return invalid("a subscription needs a name and one of Handler and HandleBatch")
	}
	if sub.BatchSize <= 0 {
		sub.BatchSize = 500
	}
	if sub.PollInterval <= 0 {
		sub.PollInterval = time.Second
	}
	if sub.Logger == nil {
		sub.Logger = slog.Default()
	}
	log := sub.Logger.With("subscription", sub.Name)
	delay := 100 * time.Millisecond
	for {
		err := s.follow(ctx, sub, func() { delay = 100 * time.Millisecond })
		if ctx.Err() != nil {
			return ctx.Err()
		}
		log.Warn("subscription interrupted; resuming from checkpoint", "err", err, "retry_in", delay)
		if !sleep(ctx, delay) {
			return ctx.Err()
		}
		delay = min(2*delay, maxRetryDelay)
	}
}

// follow owns the subscription for as long as its listening connection lives.
func (s *Store) follow(ctx context.Context, sub Subscription, progressed func()) error {
	cfg := s.pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "orderflow subscription " + sub.Name
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	// Closing the session releases the ownership lock and the LISTEN with it.
	defer conn.Close(context.WithoutCancel(ctx))

	if err := s.waitForOwnership(ctx, conn, sub); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, "listen "+pgx.Identifier{s.channel}.Sanitize()); err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, `insert into subscription_checkpoints (subscription_name, transaction_id, global_position)
		values ($1, '0', 0) on conflict do nothing`, sub.Name); err != nil {
		return err
	}

	listenCtx, stopListening := context.WithCancel(ctx)
	wake, lost, listening := listen(listenCtx, conn)
	defer func() {
		stopListening()
		<-listening // the connection is not ours to close while it waits on it
	}()

	retryHeld := minHeldBackDelay
	for {
		handled, held, err := s.handleBatch(ctx, sub)
		if err != nil {
			return fmt.Errorf("batch: %w", err)
		}
		if handled > 0 {
			progressed()
		}
		if handled == sub.BatchSize {
			continue // more may be waiting: catch up before sleeping
		}
		wait := sub.PollInterval
		if held {
			// Their notification came and went while they were held back; nobody will
			// send another, so look again soon, backing off while the horizon stays put.
			wait, retryHeld = min(retryHeld, sub.PollInterval), min(2*retryHeld, maxHeldBackDelay)
		} else {
			retryHeld = minHeldBackDelay
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case err := <-lost:
			return fmt.Errorf("listen: %w", err)
		case <-wake:
		case <-time.After(wait):
		}
	}
}

// waitForOwnership blocks until this session holds the subscription's advisory lock,
// keyed by schema and name: advisory locks are database-wide, and two deployments (or
// two tests) in separate schemas must not take turns on one lock.
// The lock spares standbys wasted work; correctness does not rest on it, as every batch
// also locks the checkpoint row (see handleBatch).
func (s *Store) waitForOwnership(ctx context.Context, conn *pgx.Conn, sub Subscription) error {
	for {
		var owned bool
		err := conn.QueryRow(ctx, `select pg_try_advisory_lock(hashtextextended('subscription:' || current_schema() || '.' || $1, 0))`,
			sub.Name).Scan(&owned)
		if err != nil || owned {
			return err
		}
		if !sleep(ctx, sub.PollInterval) {
			return ctx.Err()
		}
	}
}

// listen turns notifications on conn into wake-ups until ctx ends; a failure of the
// connection is reported once on lost, and done closes when it stops using conn.
func listen(ctx context.Context, conn *pgx.Conn) (wake <-chan struct{}, lost <-chan error, done <-chan struct{}) {
	w := make(chan struct{}, 1)
	l := make(chan error, 1)
	d := make(chan struct{})
	go func() {
		defer close(d)
		for {
			if _, err := conn.WaitForNotification(ctx); err != nil {
				l <- err
				return
			}
			select {
			case w <- struct{}{}:
			default: // a wake-up is already pending; one is enough
			}
		}
	}()
	return w, l, d
}

// handleBatch delivers the next batch in one transaction. The checkpoint row is locked
// first, so even two processes that both believe they own the subscription cannot
// deliver the same event twice: the second waits, then reads the advanced checkpoint.
// held reports a short batch that stopped at the horizon with more events behind it.
func (s *Store) handleBatch(ctx context.Context, sub Subscription) (handled int, held bool, err error) {
	var last Checkpoint
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The horizon comes from this statement's snapshot, taken before the row lock
		// gives this transaction an id of its own: measured after that, the horizon
		// would sit at or below our own id and hold back everything committed since.
		var from Checkpoint
		var horizon uint64
		err := tx.QueryRow(ctx, `select transaction_id, global_position, pg_snapshot_xmin(pg_current_snapshot())
			from subscription_checkpoints where subscription_name = $1 for update`,
			sub.Name).Scan(&from.TransactionID, &from.GlobalPosition, &horizon)
		if err != nil {
			return fmt.Errorf("lock checkpoint: %w", err)
		}
		events, err := readAll(ctx, tx, from, sub.Filter, sub.BatchSize, &horizon)
		if err != nil {
			return err
		}
		if len(events) < sub.BatchSize {
			if held, err = heldBack(ctx, tx, from, horizon); err != nil {
				return fmt.Errorf("look behind the horizon: %w", err)
			}
		}
		if len(events) == 0 {
			return nil
		}
		if sub.HandleBatch != nil {
			if err := sub.HandleBatch(ctx, tx, events); err != nil {
				return fmt.Errorf("handle a batch of %d events (%s to %s): %w", len(events),
					events[0].Checkpoint(), events[len(events)-1].Checkpoint(), err)
			}
		}
		for _, e := range events {
			if sub.Handler == nil {
				break
			}
			if err := sub.Handler(ctx, tx, e); err != nil {
				return fmt.Errorf("handle %s %s (stream %s, position %d): %w",
					e.Type, e.ID, e.StreamName, e.StreamPosition, err)
			}
		}
		last = events[len(events)-1].Checkpoint()
		handled = len(events)
		_, err = tx.Exec(ctx, `update subscription_checkpoints
			set transaction_id = $2, global_position = $3, updated_at = now()
			where subscription_name = $1`, sub.Name, last.TransactionID, last.GlobalPosition)
		return err
	})
	if err != nil {
		return 0, false, err
	}
	if handled > 0 && sub.OnBatch != nil {
		sub.OnBatch(handled, last)
	}
	return handled, held, nil
}

// SubscriptionCheckpoint returns where a subscription stands; the zero Checkpoint if
// it has never run.
func (s *Store) SubscriptionCheckpoint(ctx context.Context, name string) (Checkpoint, error) {
	var c Checkpoint
	err := s.pool.QueryRow(ctx, `select transaction_id, global_position from subscription_checkpoints
		where subscription_name = $1`, name).Scan(&c.TransactionID, &c.GlobalPosition)
	if errors.Is(err, pgx.ErrNoRows) {
		return Checkpoint{}, nil
	}
	return c, err
}

// sleep waits for d or until ctx ends; it reports whether the full time passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
