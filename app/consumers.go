package app

import (
	"context"
	"errors"
	"slices"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/consumer"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
	"github.com/orderflow/orderflow/eventstore"
)

// Consumers handles the consumer commands.
type Consumers struct{ Store aggregate.Store }

// RegisterConsumer registers a consumer and opens the account their orders are charged
// to. ID is chosen by the caller (from an idempotency key when there is one), so that
// repeating the command finds the work done and succeeds without writing again.
type RegisterConsumer struct {
	ID          uuid.UUID
	Name, Email string
	CreditLimit money.Money
	CardLast4   string
}

// Register runs RegisterConsumer: the consumer and their account are written together
// (aggregate.ExecuteAll), so a registration either side refuses writes nothing.
func (h Consumers) Register(ctx context.Context, actor string, cmd RegisterConsumer) (consumer.State, error) {
	// Every bad field of both sides at once, before anything is loaded.
	var v domain.Validator
	v.Check(cmd.CreditLimit.Cents >= 0, "credit_limit_cents", "must be zero or more")
	v.Check(money.ValidCurrency(cmd.CreditLimit.Currency), "currency", "must be a 3-letter ISO 4217 code")
	_, consumerErr := consumer.Register(consumer.State{}, cmd.ID, cmd.Name, cmd.Email)           // validation only
	_, accountErr := accounting.Open(accounting.State{}, cmd.ID, cmd.CreditLimit, cmd.CardLast4) // validation only
	if err := mergeValidation(consumerErr, v.Err(), accountErr); err != nil {
		return consumer.State{}, err
	}
	md := eventstore.Metadata{User: actor, CorrelationID: cmd.ID.String()}
	var registered aggregate.Result[consumer.State]
	err := aggregate.ExecuteAll(ctx, h.Store,
		aggregate.Part(aggregate.Command[consumer.State]{
			Stream: consumer.StreamName(cmd.ID), Apply: (*consumer.State).Apply, Metadata: md,
			IdempotencyKey: "register-consumer/" + cmd.ID.String(),
			Decide: func(s consumer.State) ([]event.Event, error) {
				if s.Registered() && s.Name == cmd.Name && s.Email == cmd.Email {
					return nil, nil // a repeated request: already done
				}
				return consumer.Register(s, cmd.ID, cmd.Name, cmd.Email)
			},
		}, &registered),
		aggregate.Part(aggregate.Command[accounting.State]{
			Stream: accounting.StreamName(cmd.ID), Apply: (*accounting.State).Apply, Metadata: md,
			IdempotencyKey: "open-account/" + cmd.ID.String(),
			Decide: func(s accounting.State) ([]event.Event, error) {
				return accounting.Open(s, cmd.ID, cmd.CreditLimit, cmd.CardLast4)
			},
		}, nil))
	if err != nil {
		return consumer.State{}, err
	}
	return registered.State, nil
}

// Suspend stops a consumer from placing orders.
func (h Consumers) Suspend(ctx context.Context, actor string, id uuid.UUID, reason string) (consumer.State, error) {
	return h.change(ctx, actor, id, func(s consumer.State) ([]event.Event, error) { return consumer.Suspend(s, reason) })
}

// Reactivate lets a suspended consumer order again.
func (h Consumers) Reactivate(ctx context.Context, actor string, id uuid.UUID) (consumer.State, error) {
	return h.change(ctx, actor, id, consumer.Reactivate)
}

func (h Consumers) change(ctx context.Context, actor string, id uuid.UUID,
	decide func(consumer.State) ([]event.Event, error)) (consumer.State, error) {
	res, err := aggregate.Execute(ctx, h.Store, aggregate.Command[consumer.State]{
		Stream: consumer.StreamName(id), Apply: (*consumer.State).Apply, Decide: decide,
		Metadata: eventstore.Metadata{User: actor, CorrelationID: id.String()},
	})
	if err != nil {
		return consumer.State{}, err
	}
	return res.State, nil
}

// ConsumerNotFound is how a consumer id that does not exist is refused, and so also one
// the principal may not see: in the same words, so that ids cannot be probed.
func ConsumerNotFound(id uuid.UUID) error {
	return domain.Errorf(domain.CodeConsumerNotFound, "consumer %s not found", id)
}

// mergeValidation joins the field errors of validation failures into one, so a client
// sees every bad field at once, each field once (with the first message about it). It
// is nil when there are none.
func mergeValidation(errs ...error) error {
	merged := &domain.ValidationError{}
	for _, err := range errs {
		var ve *domain.ValidationError
		if errors.As(err, &ve) {
			for _, f := range ve.Fields {
				if !slices.ContainsFunc(merged.Fields, func(m domain.FieldError) bool { return m.Field == f.Field }) {
					merged.Fields = append(merged.Fields, f)
				}
			}
		} else if err != nil {
			return err
		}
	}
	if len(merged.Fields) == 0 {
		return nil
	}
	return merged
}
