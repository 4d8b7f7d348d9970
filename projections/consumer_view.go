package projections

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/orderflow/orderflow/domain/consumer"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/eventstore"
)

// ConsumerView is a consumer as the query side knows it, the first half of GET
// /v1/consumers/:id (ConsumerWithAccount).
type ConsumerView struct {
	ID     uuid.UUID       `json:"id"`
	Name   string          `json:"name"`
	Email  string          `json:"email"`
	Status consumer.Status `json:"status"`
	// SuspendedReason is why the consumer was suspended; absent unless SUSPENDED.
	SuspendedReason string `json:"suspended_reason,omitempty"`
	// Version is the position in the consumer's stream of the last event applied.
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// consumerView keeps consumer_view up to date with the consumer streams. Each order's
// ConsumerVerified moves the row's version on and changes nothing else.
var consumerView = folding[consumer.State, ConsumerView]{
	what: "consumer view", category: consumer.Category, creation: consumer.TypeConsumerRegistered,
	apply: (*consumer.State).Apply,
	load: func(ctx context.Context, tx pgx.Tx, table string, id uuid.UUID) (ConsumerView, error) {
		return scanConsumer(tx.QueryRow(ctx, `select `+consumerColumns+` from `+table+` where consumer_id = $1`, id))
	},
	unfold: func(v ConsumerView) (consumer.State, rowMeta) {
		// The orders the consumer was verified for are the write side's business (a
		// retried verification): the view neither keeps nor needs them.
		s := consumer.State{ID: v.ID, Name: v.Name, Email: v.Email, Status: v.Status, SuspendedReason: v.SuspendedReason}
		return s, rowMeta{ID: v.ID, Version: v.Version, CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
	},
	render: func(s consumer.State, m rowMeta) ConsumerView {
		return ConsumerView{ID: m.ID, Name: s.Name, Email: s.Email, Status: s.Status, SuspendedReason: s.SuspendedReason,
			Version: m.Version, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
	},
	save:      upsertConsumer,
	selectAll: selectConsumer,
	scan:      scanConsumer,
}

func consumerViewHandler(reg *event.Registry, log *slog.Logger, table string) eventstore.Handler {
	return consumerView.handler(reg, log, table)
}

// upsertConsumer writes a row of table unless it already holds a later version of it.
func upsertConsumer(ctx context.Context, tx pgx.Tx, table string, v ConsumerView) error {
	_, err := tx.Exec(ctx, `insert into `+table+` as row (consumer_id, name, email, status, suspended_reason,
		version, created_at, updated_at)
		values ($1, $2, $3, $4, $5, $6, $7, $8)
		on conflict (consumer_id) do update set name = excluded.name, email = excluded.email,
			status = excluded.status, suspended_reason = excluded.suspended_reason, version = excluded.version,
			created_at = excluded.created_at, updated_at = excluded.updated_at
		where row.version < excluded.version`,
		v.ID, v.Name, v.Email, string(v.Status), v.SuspendedReason, v.Version, v.CreatedAt, v.UpdatedAt)
	return err
}

const (
	consumerColumns = `consumer_id, name, email, status, suspended_reason, version, created_at, updated_at`
	selectConsumer  = `select ` + consumerColumns + ` from consumer_view `
)

func scanConsumer(row pgx.Row) (ConsumerView, error) {
	var (
		v      ConsumerView
		status string
	)
	err := row.Scan(&v.ID, &v.Name, &v.Email, &status, &v.SuspendedReason, &v.Version, &v.CreatedAt, &v.UpdatedAt)
	if err != nil {
		return ConsumerView{}, err
	}
	v.Status = consumer.Status(status)
	v.CreatedAt, v.UpdatedAt = v.CreatedAt.UTC(), v.UpdatedAt.UTC()
	return v, nil
}
