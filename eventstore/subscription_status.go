package eventstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// ErrNotStoppedAtEvent means Skip was told to pass over an event that its subscription is
// not stopped at (it never failed there, or it has got past it since).
var ErrNotStoppedAtEvent = errors.New("eventstore: the subscription is not stopped at that event")

// SubscriptionStatus is where a subscription stands, as an operator needs to see it.
type SubscriptionStatus struct {
	Name       string
	Checkpoint Checkpoint
	// UpdatedAt is when the checkpoint last moved; the zero time if it never ran.
	UpdatedAt time.Time
	// Stopped is set while the subscription cannot get past a failure.
	Stopped *Stop
	// Skipped are the events an operator told it to pass over, oldest first.
	Skipped []Skip
}

// Stop is a failure a subscription has not got past yet.
type Stop struct {
	// The event the handler failed on; zero when the failure was no event's (the
	// database could not be reached).
	EventID        uuid.UUID `json:"event_id,omitzero"`
	Type           string    `json:"type,omitempty"`
	Stream         string    `json:"stream,omitempty"`
	StreamPosition int64     `json:"stream_position,omitempty"`
	Reason         string    `json:"reason"`
	Since          time.Time `json:"since"`
	// Failures counts the attempts since it stopped there.
	Failures int `json:"failures"`
}

// Skip is an event an operator told a subscription to pass over.
type Skip struct {
	EventID uuid.UUID `json:"event_id"`
	Reason  string    `json:"reason"`
	By      string    `json:"by"`
	At      time.Time `json:"at"`
}

// SubscriptionStatus returns where the named subscription stands. A subscription that
// never ran has the zero status (with its name).
func (s *Store) SubscriptionStatus(ctx context.Context, name string) (SubscriptionStatus, error) {
	st := SubscriptionStatus{Name: name}
	var (
		eventID             *uuid.UUID
		reason, typ, stream *string
		position            *int64
		since               *time.Time
		failures            int
	)
	err := s.pool.QueryRow(ctx, `select c.transaction_id, c.global_position, c.updated_at, c.stopped_event_id,
			c.stopped_reason, c.stopped_since, c.failures, e.event_type, e.stream_name, e.stream_position
		from subscription_checkpoints c left join events e on e.event_id = c.stopped_event_id
		where c.subscription_name = $1`, name).Scan(&st.Checkpoint.TransactionID, &st.Checkpoint.GlobalPosition,
		&st.UpdatedAt, &eventID, &reason, &since, &failures, &typ, &stream, &position)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return st, nil
	case err != nil:
		return st, fmt.Errorf("eventstore: status of %s: %w", name, err)
	}
	if reason != nil {
		st.Stopped = &Stop{Reason: *reason, Since: since.UTC(), Failures: failures}
		if eventID != nil {
			st.Stopped.EventID = *eventID
		}
		if typ != nil {
			st.Stopped.Type, st.Stopped.Stream, st.Stopped.StreamPosition = *typ, *stream, *position
		}
	}
	rows, _ := s.pool.Query(ctx, `select event_id, reason, skipped_by, skipped_at from subscription_skips
		where subscription_name = $1 order by skipped_at, event_id`, name)
	var skip Skip
	_, err = pgx.ForEachRow(rows, []any{&skip.EventID, &skip.Reason, &skip.By, &skip.At}, func() error {
		skip.At = skip.At.UTC()
		st.Skipped = append(st.Skipped, skip)
		return nil
	})
	if err != nil {
		return st, fmt.Errorf("eventstore: skips of %s: %w", name, err)
	}
	return st, nil
}

// Retry asks the process running the named subscription to try again now, rather than
// when its backoff ends: after an operator fixed what the handler needed.
func (s *Store) Retry(ctx context.Context, name string) error {
	if _, err := s.pool.Exec(ctx, `select pg_notify($1, $2)`, s.channel, retryPayload(name)); err != nil {
		return fmt.Errorf("eventstore: retry %s: %w", name, err)
	}
	return nil
}

// retryPayload is the notification that asks a subscription to retry; appends notify
// with an empty payload.
func retryPayload(name string) string { return "retry " + name }

// Skip makes the named subscription pass over the event it is stopped at, without
// handling it, and records who decided so and why. The subscription must be stopped at
// exactly that event (ErrNotStoppedAtEvent otherwise): a skip is a decision about one
// failure, not a way to move a checkpoint at will.
func (s *Store) Skip(ctx context.Context, name string, eventID uuid.UUID, reason, by string) error {
	reason, by = strings.TrimSpace(reason), strings.TrimSpace(by)
	if reason == "" || by == "" {
		return invalid("a skip needs a reason and who decided it")
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// Locked as a batch locks it: a batch in flight finishes first.
		var stoppedAt *uuid.UUID
		err := tx.QueryRow(ctx, `select stopped_event_id from subscription_checkpoints
			where subscription_name = $1 for update`, name).Scan(&stoppedAt)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && (stoppedAt == nil || *stoppedAt != eventID) {
			return fmt.Errorf("%w: %s, event %s", ErrNotStoppedAtEvent, name, eventID)
		}
		if err != nil {
			return err
		}
		var at Checkpoint
		if err := tx.QueryRow(ctx, `select transaction_id, global_position from events where event_id = $1`,
			eventID).Scan(&at.TransactionID, &at.GlobalPosition); err != nil {
			return fmt.Errorf("find the event: %w", err)
		}
		if _, err := tx.Exec(ctx, `insert into subscription_skips (subscription_name, event_id, reason, skipped_by)
			values ($1, $2, $3, $4)`, name, eventID, reason, by); err != nil {
			return err
		}
		// It stopped at this event after committing everything before it, so the event
		// is the next one: the checkpoint moves just past it.
		return advance(ctx, tx, name, at)
	})
	if err != nil {
		return fmt.Errorf("eventstore: skip %s in %s: %w", eventID, name, err)
	}
	return s.Retry(ctx, name)
}
