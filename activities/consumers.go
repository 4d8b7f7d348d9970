package activities

import (
	"context"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/domain/consumer"
	"github.com/orderflow/orderflow/domain/event"
)

// Consumers is the Consumer service's side of the sagas.
type Consumers struct{ Store aggregate.Store }

// VerifyConsumerInput names the consumer who placed an order.
type VerifyConsumerInput struct {
	Meta       Meta
	ConsumerID uuid.UUID
	OrderID    uuid.UUID
}

// VerifyConsumer clears the consumer to place the order: ConsumerVerified, or
// CONSUMER_NOT_FOUND / CONSUMER_SUSPENDED.
func (a *Consumers) VerifyConsumer(ctx context.Context, in VerifyConsumerInput) error {
	_, err := execute(ctx, a.Store, in.Meta, in.OrderID, aggregate.Command[consumer.State]{
		Stream: consumer.StreamName(in.ConsumerID), Apply: (*consumer.State).Apply,
		Decide: func(s consumer.State) ([]event.Event, error) { return consumer.Verify(s, in.OrderID) },
	})
	return err
}
