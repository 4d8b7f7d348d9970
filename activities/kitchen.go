package activities

import (
	"context"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
)

// Kitchen is the Kitchen service's side of the sagas: the order's ticket, whose id
// is the order's id.
type Kitchen struct{ Store aggregate.Store }

// CreateTicketInput is the ticket of a new order.
type CreateTicketInput struct {
	Meta   Meta
	Ticket kitchen.CreateCommand
}

// TicketChangeInput names a ticket (by its order) and, for refusals, why.
type TicketChangeInput struct {
	Meta    Meta
	OrderID uuid.UUID
	Reason  string
}

// ReviseTicketInput gives the ticket new lines.
type ReviseTicketInput struct {
	Meta    Meta
	OrderID uuid.UUID
	Lines   []kitchen.Line
}

// CreateTicket opens the order's ticket: TicketCreated (AWAITING_ACCEPTANCE).
func (a *Kitchen) CreateTicket(ctx context.Context, in CreateTicketInput) error {
	return a.change(ctx, in.Meta, in.Ticket.OrderID, func(s kitchen.State) ([]event.Event, error) {
		return kitchen.Create(s, in.Ticket)
	})
}

// AcceptTicket records the restaurant taking the order: TicketAccepted.
func (a *Kitchen) AcceptTicket(ctx context.Context, in TicketChangeInput) error {
	return a.change(ctx, in.Meta, in.OrderID, kitchen.Accept)
}

// RejectTicket records the restaurant declining the order: TicketRejected.
func (a *Kitchen) RejectTicket(ctx context.Context, in TicketChangeInput) error {
	return a.change(ctx, in.Meta, in.OrderID, func(s kitchen.State) ([]event.Event, error) {
		return kitchen.Reject(s, in.Reason)
	})
}

// CancelTicket withdraws the ticket (a compensation, or the cancel saga's step):
// TicketCanceled, nothing when there is no live ticket, TICKET_ALREADY_PICKED_UP when
// the food has left.
func (a *Kitchen) CancelTicket(ctx context.Context, in TicketChangeInput) error {
	return a.change(ctx, in.Meta, in.OrderID, func(s kitchen.State) ([]event.Event, error) {
		return kitchen.Cancel(s, in.Reason)
	})
}

// ReviseTicket changes the ticket's lines: TicketRevised, or TICKET_NOT_REVISABLE once
// cooking started.
func (a *Kitchen) ReviseTicket(ctx context.Context, in ReviseTicketInput) error {
	return a.change(ctx, in.Meta, in.OrderID, func(s kitchen.State) ([]event.Event, error) {
		return kitchen.Revise(s, in.Lines)
	})
}

func (a *Kitchen) change(ctx context.Context, m Meta, orderID uuid.UUID, decide func(kitchen.State) ([]event.Event, error)) error {
	_, err := execute(ctx, a.Store, m, orderID, aggregate.Command[kitchen.State]{
		Stream: kitchen.StreamName(orderID), Apply: (*kitchen.State).Apply, Decide: decide,
	})
	return err
}
