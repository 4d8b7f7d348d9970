package eventstore

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// Handler applies one event's effect inside tx. The effect, the subscription's
// checkpoint (and a processed-event record, see Idempotent) commit together, so an
// event's effect is never lost and never repeated. Returning an error stops the
// subscription at that event: the events before it in the batch commit, the event and
// everything after it wait, and the subscription records where and why it stopped
// (SubscriptionStatus) and tries the event again with backoff, or at once when told to
// (Retry), until it succeeds or an operator skips it (Skip).
type Handler func(ctx context.Context, tx pgx.Tx, e RecordedEvent) error

// HandlerError is a handler's failure on one event.
type HandlerError struct {
	Event RecordedEvent
	Err   error
	index int // the event's place in its batch: the events before it can commit
}

func (e *HandlerError) Error() string {
	return fmt.Sprintf("handle %s %s (stream %s, position %d): %v",
		e.Event.Type, e.Event.ID, e.Event.StreamName, e.Event.StreamPosition, e.Err)
}

func (e *HandlerError) Unwrap() error { return e.Err }

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
	// OnError, if set, is told of every failed attempt at a batch (a *HandlerError when
	// the handler refused an event): for metrics and tests.
	OnError func(err error)
	Logger  *slog.Logger
}

const (
	maxRetryDelay = 30 * time.Second
	// How soon to look again for events held back behind a running transaction.
	minHeldBackDelay = 5 * time.Millisecond
	maxHeldBackDelay = 500 * time.Millisecond
	// How soon to try again an event the handler failed on, doubling to maxRetryDelay.
	minFailedDelay = 100 * time.Millisecond
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
	wake, retry, lost, listening := listen(listenCtx, conn, sub.Name)
	defer func() {
		stopListening()
		<-listening // the connection is not ours to close while it waits on it
	}()

	retryHeld, retryFailed := minHeldBackDelay, minFailedDelay
	for {
		handled, held, err := s.handleBatch(ctx, sub)
		var failed *HandlerError
		if err != nil && !errors.As(err, &failed) {
			return fmt.Errorf("batch: %w", err)
		}
		if handled > 0 {
			progressed()
		}
		if failed != nil {
			// Stopped at an event: try it again after a while, or as soon as an operator
			// asks (Retry, Skip). New events are no reason to: they wait behind it. A
			// batch that got somewhere before failing starts the backoff afresh: it is
			// not stuck where it was.
			if handled > 0 {
				retryFailed = minFailedDelay
			}
			sub.Logger.Warn("subscription stopped at an event it cannot handle", "subscription", sub.Name,
				"err", err, "retry_in", retryFailed)
			wait := retryFailed
			retryFailed = min(2*retryFailed, maxRetryDelay)
			select {
			case <-ctx.Done():
				return ctx.Err()
			case err := <-lost:
				return fmt.Errorf("listen: %w", err)
			case <-retry:
			case <-time.After(wait):
			}
			continue
		}
		retryFailed = minFailedDelay
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
		case <-retry:
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

// listen turns notifications on conn into wake-ups until ctx ends: wake for appends,
// retry for an operator's request to try the subscription named name again (see
// Retry). A failure of the connection is reported once on lost, and done closes when it
// stops using conn.
func listen(ctx context.Context, conn *pgx.Conn, name string) (wake, retry <-chan struct{}, lost <-chan error, done <-chan struct{}) {
	w, r := make(chan struct{}, 1), make(chan struct{}, 1)
	l := make(chan error, 1)
	d := make(chan struct{})
	go func() {
		defer close(d)
		for {
			n, err := conn.WaitForNotification(ctx)
			if err != nil {
				l <- err
				return
			}
			to := w
			if n.Payload != "" {
				if n.Payload != retryPayload(name) {
					continue // another subscription's
				}
				to = r
			}
			select {
			case to <- struct{}{}:
			default: // a wake-up is already pending; one is enough
			}
		}
	}()
	return w, r, l, d
}

// handleBatch delivers the next batch. When the handler fails on an event, the events
// before it are delivered again as a batch of their own and commit (the handler is
// deterministic and the failed attempt rolled back), so one bad event never holds back
// the ones before it; the failure is recorded on the checkpoint row and returned.
func (s *Store) handleBatch(ctx context.Context, sub Subscription) (handled int, held bool, err error) {
	handled, held, err = s.deliver(ctx, sub, sub.BatchSize)
	if err == nil {
		return handled, held, nil
	}
	var failed *HandlerError
	if errors.As(err, &failed) && failed.index > 0 {
		if handled, _, err = s.deliver(ctx, sub, failed.index); err != nil {
			failed = nil // the events before it failed too: that failure is the news
			errors.As(err, &failed)
		} else {
			err = failed
		}
	}
	s.recordFailure(ctx, sub, err, failed)
	return handled, false, err
}

// deliver delivers up to limit events in one transaction. The checkpoint row is locked
// first, so even two processes that both believe they own the subscription cannot
// deliver the same event twice: the second waits, then reads the advanced checkpoint.
// held reports a short batch that stopped at the horizon with more events behind it.
func (s *Store) deliver(ctx context.Context, sub Subscription, limit int) (handled int, held bool, err error) {
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
		events, err := readAll(ctx, tx, from, sub.Filter, limit, &horizon)
		if err != nil {
			return err
		}
		if len(events) < limit {
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
		if err := handleAll(ctx, tx, sub.Handler, events); err != nil {
			return err
		}
		last = events[len(events)-1].Checkpoint()
		handled = len(events)
		return advance(ctx, tx, sub.Name, last)
	})
	if err != nil {
		return 0, false, err
	}
	if handled > 0 && sub.OnBatch != nil {
		sub.OnBatch(handled, last)
	}
	return handled, held, nil
}

// handleAll runs h, if any, on each event in order; the first failure is a
// *HandlerError.
func handleAll(ctx context.Context, tx pgx.Tx, h Handler, events []RecordedEvent) error {
	if h == nil {
		return nil
	}
	for i, e := range events {
		if err := h(ctx, tx, e); err != nil {
			return &HandlerError{Event: e, Err: err, index: i}
		}
	}
	return nil
}

// advance moves a subscription's checkpoint in tx and clears any stop it had recorded:
// it got past it.
func advance(ctx context.Context, tx pgx.Tx, name string, to Checkpoint) error {
	_, err := tx.Exec(ctx, `update subscription_checkpoints
		set transaction_id = $2, global_position = $3, updated_at = now(),
			stopped_event_id = null, stopped_reason = null, stopped_since = null, failures = 0
		where subscription_name = $1`, name, to.TransactionID, to.GlobalPosition)
	return err
}

// recordFailure notes on the checkpoint row that the subscription stopped, at which
// event (when a handler refused one) and why, so that anyone can see it
// (SubscriptionStatus) and not only the log; and tells OnError. Recording is best
// effort: the failure may be the database's.
func (s *Store) recordFailure(ctx context.Context, sub Subscription, err error, failed *HandlerError) {
	if ctx.Err() != nil {
		return // stopping, not stopped
	}
	if sub.OnError != nil {
		sub.OnError(err)
	}
	var eventID *uuid.UUID
	var at *Checkpoint
	reason := err.Error()
	if failed != nil {
		cp := failed.Event.Checkpoint()
		eventID, reason, at = &failed.Event.ID, failed.Err.Error(), &cp
	}
	// Only while the event is still ahead: an operator's Skip (or another instance)
	// may have moved past it since the failed attempt rolled back.
	_, recordErr := s.pool.Exec(ctx, `update subscription_checkpoints
		set stopped_since = case when stopped_event_id is not distinct from $2 then coalesce(stopped_since, now()) else now() end,
			failures = case when stopped_event_id is not distinct from $2 then failures + 1 else 1 end,
			stopped_event_id = $2, stopped_reason = $3
		where subscription_name = $1
			and ($4::xid8 is null or (transaction_id, global_position) < ($4::xid8, $5::bigint))`,
		sub.Name, eventID, reason, txID(at), position(at))
	if recordErr != nil {
		sub.Logger.Warn("could not record a subscription's failure", "subscription", sub.Name, "err", recordErr)
	}
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

// txID and position are a checkpoint's parts as nullable query arguments.
func txID(c *Checkpoint) *uint64 {
	if c == nil {
		return nil
	}
	return &c.TransactionID
}

func position(c *Checkpoint) *int64 {
	if c == nil {
		return nil
	}
	return &c.GlobalPosition
}
