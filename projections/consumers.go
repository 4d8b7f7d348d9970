package projections

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/orderflow/orderflow/domain"
)

// ConsumerWithAccount is a consumer and their account, as GET /v1/consumers/:id shows
// them: two aggregates with a stream each (consumer-<id>, account-<id>), so two read
// models, each as current as its own projection.
type ConsumerWithAccount struct {
	ConsumerView
	Account AccountView `json:"account"`
}

// GetConsumer returns a consumer with their account. Registration writes both streams
// at once, but each read model follows its own: until both have the consumer, it is an
// error that is both ErrNotFound and domain.ErrConsumerNotFound, as for one that does
// not exist.
func (q Queries) GetConsumer(ctx context.Context, id uuid.UUID) (ConsumerWithAccount, error) {
	var c ConsumerWithAccount
	b := &pgx.Batch{} // both reads in one round trip
	b.Queue(selectConsumer+`where consumer_id = $1`, id).QueryRow(func(row pgx.Row) (err error) {
		c.ConsumerView, err = scanConsumer(row)
		return err
	})
	b.Queue(selectAccount+`where consumer_id = $1`, id).QueryRow(func(row pgx.Row) (err error) {
		c.Account, err = scanAccount(row)
		return err
	})
	err := q.Pool.SendBatch(ctx, b).Close()
	if errors.Is(err, pgx.ErrNoRows) {
		return ConsumerWithAccount{}, notFound(domain.CodeConsumerNotFound, "consumer", id)
	}
	if err != nil {
		return ConsumerWithAccount{}, fmt.Errorf("projections: get consumer %s: %w", id, err)
	}
	return c, nil
}
