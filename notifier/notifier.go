// Package notifier is an example downstream service: it subscribes to orderflow's
// public events on NATS JetStream (package integration, docs/events.md) and records
// the notifications a consumer would receive ("your order was approved") in tables of
// its own. It is the idempotent subscriber of the article orderflow comes from, on a
// real broker: a durable consumer with explicit acks, and a processed_messages table
// written in the same transaction as the effect, so a message delivered twice (a
// redelivery after a lost ack, a re-publish) has its effect once. It acks only after
// the transaction commits: a crash in between means a redelivery, never a loss.
//
// It shares nothing with orderflow but the contract: it does not read the event store
// and migrates only its own tables (Migrations).
package notifier

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/orderflow/orderflow/integration"
	"github.com/orderflow/orderflow/internal/migrations"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migrations are the notifier's tables (version table notifier_schema_version), for
// migrations.Apply.
var Migrations = migrations.Set{Name: "notifier", FS: migrationFiles, Dir: "migrations"}

const (
	// DefaultDurable is the notifier's durable consumer, and its name in
	// processed_messages.
	DefaultDurable = "notifier"
	// DefaultAckWait is how long JetStream waits for an ack before redelivering.
	DefaultAckWait = 30 * time.Second
)

// The outcomes of handling a message, as counted by Metrics.
const (
	OutcomeNotified       = "notified"        // a notification was recorded
	OutcomeNoNotification = "no_notification" // processed; nothing for a consumer to hear
	OutcomeDuplicate      = "duplicate"       // processed before: acked, no effect
	OutcomeIgnored        = "ignored"         // a type this notifier does not know: acked
	OutcomeUnsupported    = "unsupported"     // a schema version it cannot read: left for redelivery
	OutcomeMalformed      = "malformed"       // not an envelope: terminated, never redelivered
	OutcomeFailed         = "failed"          // the database failed: redelivered later
)

// Metrics is told the outcome of every message; nil is fine.
type Metrics interface {
	Handled(outcome string)
}

// Notifier consumes the public events until its context ends.
type Notifier struct {
	Pool *pgxpool.Pool
	Conn *nats.Conn
	// Stream and SubjectPrefix default to integration.DefaultStream and
	// integration.DefaultSubjectPrefix; Durable to DefaultDurable.
	Stream        string
	SubjectPrefix string
	Durable       string
	AckWait       time.Duration
	Metrics       Metrics
	Logger        *slog.Logger

	js jetstream.JetStream
	// afterCommit, set by tests, runs after a message's transaction commits and before
	// its ack; false leaves it unacked, as a notifier that crashed there would.
	afterCommit func(msg jetstream.Msg) bool
}

func (n *Notifier) defaults() error {
	if n.Pool == nil || n.Conn == nil {
		return errors.New("notifier: needs a database pool and a NATS connection")
	}
	if n.Stream == "" {
		n.Stream = integration.DefaultStream
	}
	if n.SubjectPrefix == "" {
		n.SubjectPrefix = integration.DefaultSubjectPrefix
	}
	if n.Durable == "" {
		n.Durable = DefaultDurable
	}
	if n.AckWait <= 0 {
		n.AckWait = DefaultAckWait
	}
	if n.Logger == nil {
		n.Logger = slog.Default()
	}
	n.Logger = n.Logger.With("notifier", n.Durable, "stream", n.Stream)
	js, err := jetstream.New(n.Conn)
	if err != nil {
		return fmt.Errorf("notifier: %w", err)
	}
	n.js = js
	return nil
}

// ConsumerConfig is the notifier's durable consumer: every public event from the
// stream's start, acked one by one, redelivered after AckWait without an ack, for ever.
func (n *Notifier) ConsumerConfig() jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       n.Durable,
		Description:   "orderflow notifier: records the notifications consumers would receive",
		FilterSubject: n.SubjectPrefix + ".>", // one subject: servers before 2.10 take no list
		DeliverPolicy: jetstream.DeliverAllPolicy,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       n.AckWait,
		MaxDeliver:    -1,
		MaxAckPending: 1000,
	}
}

// Run consumes until ctx ends, then returns ctx's error. A stream that does not exist
// yet (the relay makes it), a broker that is down or a consumer that was deleted is
// waited out, with backoff.
func (n *Notifier) Run(ctx context.Context) error {
	if err := n.defaults(); err != nil {
		return err
	}
	delay := 100 * time.Millisecond
	for {
		err := n.consume(ctx, func() { delay = 100 * time.Millisecond })
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			n.Logger.Info("waiting for the relay to make the stream", "retry_in", delay)
		} else {
			n.Logger.Warn("consumer interrupted; resuming", "err", err, "retry_in", delay)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 10*time.Second)
	}
}

// Pending is how many messages the notifier's consumer has not been delivered yet: its
// lag, for metrics.
func (n *Notifier) Pending(ctx context.Context) (uint64, error) {
	if n.js == nil {
		return 0, errors.New("notifier: not running")
	}
	c, err := n.js.Consumer(ctx, n.Stream, n.Durable)
	if err != nil {
		return 0, err
	}
	info, err := c.Info(ctx)
	if err != nil {
		return 0, err
	}
	return info.NumPending + uint64(info.NumAckPending), nil //nolint:gosec // NumAckPending counts messages: never negative
}

func (n *Notifier) consume(ctx context.Context, progressed func()) error {
	cons, err := n.js.CreateOrUpdateConsumer(ctx, n.Stream, n.ConsumerConfig())
	if err != nil {
		return fmt.Errorf("create or update consumer %s on %s: %w", n.Durable, n.Stream, err)
	}
	iter, err := cons.Messages(jetstream.PullMaxMessages(100))
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, iter.Stop)
	defer stop()
	defer iter.Stop()
	for {
		msg, err := iter.Next()
		if err != nil {
			return err
		}
		n.handle(ctx, msg)
		progressed()
	}
}

// handle applies one message's effect once and acks it after the commit.
func (n *Notifier) handle(ctx context.Context, msg jetstream.Msg) {
	meta, err := msg.Metadata()
	if err != nil {
		n.outcome(OutcomeMalformed)
		n.Logger.Error("message without JetStream metadata; terminated", "subject", msg.Subject(), "err", err)
		_ = msg.Term()
		return
	}
	env, err := integration.Decode(msg.Data())
	if err != nil {
		n.outcome(OutcomeMalformed)
		n.Logger.Error("malformed message; terminated", "subject", msg.Subject(), "sequence", meta.Sequence.Stream, "err", err)
		_ = msg.Term()
		return
	}
	payload, err := env.Payload()
	switch {
	case errors.Is(err, integration.ErrUnknownType):
		n.outcome(OutcomeIgnored) // a newer publisher's event: none of ours
		_ = msg.Ack()
		return
	case errors.Is(err, integration.ErrUnsupportedVersion):
		// Kept, not dropped: a notifier that reads the new version will handle it.
		n.outcome(OutcomeUnsupported)
		n.Logger.Error("unsupported schema version; left for a notifier that reads it", "event", env.ID, "err", err)
		_ = msg.NakWithDelay(time.Minute)
		return
	case err != nil:
		n.outcome(OutcomeMalformed)
		n.Logger.Error("malformed payload; terminated", "event", env.ID, "err", err)
		_ = msg.Term()
		return
	}

	outcome := OutcomeDuplicate
	err = pgx.BeginFunc(ctx, n.Pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `insert into processed_messages (subscriber, message_id, stream_sequence)
			values ($1, $2, $3) on conflict do nothing`, n.Durable, env.ID, meta.Sequence.Stream)
		if err != nil || tag.RowsAffected() == 0 {
			return err // processed before: no effect
		}
		note, ok := Render(env, payload)
		if !ok {
			outcome = OutcomeNoNotification
			return nil
		}
		outcome = OutcomeNotified
		_, err = tx.Exec(ctx, `insert into notifications (message_id, event_type, order_id, consumer_id, text, occurred_at)
			values ($1, $2, $3, $4, $5, $6)`, env.ID, env.Type, note.OrderID, note.ConsumerID, note.Text, env.OccurredAt)
		return err
	})
	if err != nil {
		n.outcome(OutcomeFailed)
		if ctx.Err() == nil {
			n.Logger.Warn("handling failed; redelivered later", "event", env.ID, "type", env.Type, "err", err)
		}
		delay := 30 * time.Second
		if meta.NumDelivered < 30 {
			delay = time.Duration(meta.NumDelivered) * time.Second
		}
		_ = msg.NakWithDelay(delay)
		return
	}
	n.outcome(outcome)
	if n.afterCommit != nil && !n.afterCommit(msg) {
		return
	}
	// Not acknowledged (the ack is lost, or we die first): JetStream redelivers after
	// AckWait, and processed_messages turns the redelivery into a no-op.
	_ = msg.Ack()
}

func (n *Notifier) outcome(o string) {
	if n.Metrics != nil {
		n.Metrics.Handled(o)
	}
}

// Notification is what a consumer would receive.
type Notification struct {
	MessageID  uuid.UUID
	EventType  string
	OrderID    uuid.UUID
	ConsumerID uuid.UUID
	Text       string
	OccurredAt time.Time
}

// ForOrder lists an order's notifications in the order they were recorded.
func ForOrder(ctx context.Context, pool *pgxpool.Pool, orderID uuid.UUID) ([]Notification, error) {
	rows, _ := pool.Query(ctx, `select message_id, event_type, order_id, consumer_id, text, occurred_at
		from notifications where order_id = $1 order by id`, orderID)
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (Notification, error) {
		var n Notification
		err := row.Scan(&n.MessageID, &n.EventType, &n.OrderID, &n.ConsumerID, &n.Text, &n.OccurredAt)
		return n, err
	})
}
