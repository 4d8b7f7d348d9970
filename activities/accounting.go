package activities

import (
	"context"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/domain/accounting"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/money"
)

// Accounting is the Accounting service's side of the sagas: holds on the consumer's
// card, in the consumer's account stream.
type Accounting struct{ Store aggregate.Store }

// CardInput names an order's card transaction and, to authorize or revise, its amount.
type CardInput struct {
	Meta       Meta
	ConsumerID uuid.UUID
	OrderID    uuid.UUID
	Amount     money.Money
}

// AuthorizeCard holds the order's total: CreditCardAuthorized, or
// CardAuthorizationDeclined with INSUFFICIENT_CREDIT / ACCOUNT_DISABLED.
func (a *Accounting) AuthorizeCard(ctx context.Context, in CardInput) error {
	return a.change(ctx, in, func(s accounting.State) ([]event.Event, error) {
		return accounting.Authorize(s, in.OrderID, in.Amount)
	})
}

// ReverseCard releases the order's hold: CardTransactionReversed, nothing when there
// is no hold (the authorization being compensated never happened).
func (a *Accounting) ReverseCard(ctx context.Context, in CardInput) error {
	return a.change(ctx, in, func(s accounting.State) ([]event.Event, error) {
		return accounting.Reverse(s, in.OrderID)
	})
}

// ReviseCard changes the order's hold to a new total: CardTransactionRevised, or a
// decline as for AuthorizeCard when the increase does not fit.
func (a *Accounting) ReviseCard(ctx context.Context, in CardInput) error {
	return a.change(ctx, in, func(s accounting.State) ([]event.Event, error) {
		return accounting.Revise(s, in.OrderID, in.Amount)
	})
}

func (a *Accounting) change(ctx context.Context, in CardInput, decide func(accounting.State) ([]event.Event, error)) error {
	_, err := execute(ctx, a.Store, in.Meta, in.OrderID, aggregate.Command[accounting.State]{
		Stream: accounting.StreamName(in.ConsumerID), Apply: (*accounting.State).Apply, Decide: decide,
	})
	return err
}
