package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"

	"github.com/orderflow/orderflow/aggregate"
	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/event"
	"github.com/orderflow/orderflow/domain/kitchen"
	"github.com/orderflow/orderflow/eventstore"
	"github.com/orderflow/orderflow/workflows"
)

// Tickets handles the kitchen's actions on a ticket (its id is its order's). Accepting
// or rejecting answers the order's saga, which records it; preparing, ready and
// picked-up are the kitchen's own facts, recorded directly, and a pickup tells the
// order's workflow that the food has left.
type Tickets struct {
	Store     aggregate.Store
	Workflows Workflows
}

// Get returns a ticket as its stream has it now, or TICKET_NOT_FOUND.
func (h Tickets) Get(ctx context.Context, id uuid.UUID) (kitchen.State, error) {
	s, _, err := aggregate.Load(ctx, h.Store, kitchen.StreamName(id), (*kitchen.State).Apply)
	if err == nil && !s.Exists() {
		err = TicketNotFound(id)
	}
	return s, err
}

// TicketNotFound is how a ticket id that does not exist is refused, and so also one
// the principal may not see: in the same words, so that ids cannot be probed.
func TicketNotFound(id uuid.UUID) error {
	return domain.Errorf(domain.CodeTicketNotFound, "ticket %s not found", id)
}

// Accept is the restaurant taking the order.
func (h Tickets) Accept(ctx context.Context, actor string, id uuid.UUID) error {
	return h.answer(ctx, id, workflows.TicketDecision{User: actor, Accept: true})
}

// Reject is the restaurant declining the order; the saga then rejects it.
func (h Tickets) Reject(ctx context.Context, actor string, id uuid.UUID, reason string) error {
	return h.answer(ctx, id, workflows.TicketDecision{User: actor, Reason: reason})
}

func (h Tickets) answer(ctx context.Context, id uuid.UUID, d workflows.TicketDecision) error {
	return OrderCommands(h).update(ctx, id, workflows.UpdateDecideTicket, d)
}

// StartPreparing records that the kitchen started cooking an accepted ticket.
func (h Tickets) StartPreparing(ctx context.Context, actor string, id uuid.UUID) (kitchen.State, error) {
	return h.advance(ctx, actor, id, kitchen.StartPreparing)
}

// MarkReady records that the food of a ticket being prepared waits for the courier.
func (h Tickets) MarkReady(ctx context.Context, actor string, id uuid.UUID) (kitchen.State, error) {
	return h.advance(ctx, actor, id, kitchen.MarkReady)
}

// PickUp records that the courier has the food and tells the order, which ships. A
// repeated pickup records nothing new and tells the order again, harmlessly.
func (h Tickets) PickUp(ctx context.Context, actor string, id uuid.UUID) (kitchen.State, error) {
	s, err := h.advance(ctx, actor, id, kitchen.PickUp)
	if err != nil {
		return s, err
	}
	err = h.Workflows.SignalWorkflow(ctx, workflows.OrderWorkflowID(id), "", workflows.SignalTicketPickedUp,
		workflows.PickedUp{User: actor})
	var gone *serviceerror.NotFound
	if errors.As(err, &gone) {
		return s, nil // the order's workflow has already ended (shipped before)
	}
	if err != nil {
		return s, fmt.Errorf("tell the order its food was picked up: %w", err)
	}
	return s, nil
}

func (h Tickets) advance(ctx context.Context, actor string, id uuid.UUID, decide func(kitchen.State) ([]event.Event, error)) (kitchen.State, error) {
	res, err := aggregate.Execute(ctx, h.Store, aggregate.Command[kitchen.State]{
		Stream: kitchen.StreamName(id), Apply: (*kitchen.State).Apply, Decide: decide,
		Metadata: eventstore.Metadata{User: actor, CorrelationID: id.String()},
	})
	if err == nil && !res.State.Exists() {
		err = TicketNotFound(id)
	}
	return res.State, err
}
