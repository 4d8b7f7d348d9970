package kitchen

import (
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain"
	"github.com/orderflow/orderflow/domain/event"
)

// Limits on ticket input; lines mirror the order's limits.
const (
	MaxLines        = 50
	MaxQuantity     = 99
	MaxNameLength   = 200
	MaxReasonLength = 500
)

// CreateCommand describes the ticket of an order.
type CreateCommand struct {
	OrderID      uuid.UUID
	RestaurantID uuid.UUID
	Lines        []Line
}

// Create opens the ticket of an order. Creating the same ticket again is a no-op (a
// retried saga step); a different ticket under the same order id is refused.
func Create(s State, cmd CreateCommand) ([]event.Event, error) {
	var v domain.Validator
	v.Check(cmd.OrderID != uuid.Nil, "order_id", "is required")
	v.Check(cmd.RestaurantID != uuid.Nil, "restaurant_id", "is required")
	lines := checkLines(&v, cmd.Lines)
	if err := v.Err(); err != nil {
		return nil, err
	}
	if s.Exists() {
		if s.RestaurantID == cmd.RestaurantID && slices.Equal(s.Lines, lines) {
			return nil, nil
		}
		return nil, domain.Errorf(domain.CodeInvalidStateTransition, "ticket %s already exists with different content", s.ID)
	}
	return []event.Event{TicketCreated{
		TicketID: cmd.OrderID, OrderID: cmd.OrderID, RestaurantID: cmd.RestaurantID, Lines: lines,
	}}, nil
}

// Accept is the restaurant taking the order.
func Accept(s State) ([]event.Event, error) {
	return advance(s, StatusAwaitingAcceptance, StatusAccepted, TicketAccepted{TicketID: s.ID})
}

// Reject is the restaurant declining the order; reason is optional.
func Reject(s State, reason string) ([]event.Event, error) {
	var v domain.Validator
	reason = v.Text("reason", reason, 0, MaxReasonLength)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return advance(s, StatusAwaitingAcceptance, StatusRejected, TicketRejected{TicketID: s.ID, Reason: reason})
}

// StartPreparing moves an accepted ticket to the stove.
func StartPreparing(s State) ([]event.Event, error) {
	return advance(s, StatusAccepted, StatusPreparing, TicketPreparationStarted{TicketID: s.ID})
}

// MarkReady says the food waits for the courier.
func MarkReady(s State) ([]event.Event, error) {
	return advance(s, StatusPreparing, StatusReadyForPickup, TicketReadyForPickup{TicketID: s.ID})
}

// PickUp hands the food to the courier.
func PickUp(s State) ([]event.Event, error) {
	return advance(s, StatusReadyForPickup, StatusPickedUp, TicketPickedUp{TicketID: s.ID})
}

// Cancel withdraws a ticket, as a saga compensation or a cancel after approval. It is
// a no-op for a ticket that was never created (the create being compensated did not
// happen) or that is already rejected or canceled; food already picked up cannot be
// withdrawn.
func Cancel(s State, reason string) ([]event.Event, error) {
	var v domain.Validator
	reason = v.Text("reason", reason, 0, MaxReasonLength)
	if err := v.Err(); err != nil {
		return nil, err
	}
	switch s.Status {
	case "", StatusCanceled, StatusRejected:
		return nil, nil
	case StatusPickedUp:
		return nil, domain.Errorf(domain.CodeTicketAlreadyPickedUp, "ticket %s was already picked up", s.ID)
	}
	return []event.Event{TicketCanceled{TicketID: s.ID, Reason: reason}}, nil
}

// Revise changes the ticket's lines, which the kitchen allows until it starts cooking.
// The same lines again are a no-op.
func Revise(s State, lines []Line) ([]event.Event, error) {
	var v domain.Validator
	lines = checkLines(&v, lines)
	if err := v.Err(); err != nil {
		return nil, err
	}
	switch s.Status {
	case "":
		return nil, notFound()
	case StatusAwaitingAcceptance, StatusAccepted:
	default:
		return nil, domain.Errorf(domain.CodeTicketNotRevisable, "ticket %s is %s", s.ID, s.Status)
	}
	if slices.Equal(s.Lines, lines) {
		return nil, nil
	}
	return []event.Event{TicketRevised{TicketID: s.ID, Lines: lines}}, nil
}

// advance is the shape shared by the kitchen's one-step transitions: reaching the
// target again is a no-op, anything else but the expected source is refused.
func advance(s State, from, to Status, e event.Event) ([]event.Event, error) {
	switch s.Status {
	case "":
		return nil, notFound()
	case to:
		return nil, nil
	case from:
		return []event.Event{e}, nil
	}
	return nil, domain.Errorf(domain.CodeInvalidStateTransition, "ticket %s is %s, not %s", s.ID, s.Status, from)
}

func checkLines(v *domain.Validator, lines []Line) []Line {
	if !v.Check(len(lines) >= 1 && len(lines) <= MaxLines, "lines", fmt.Sprintf("must have between 1 and %d lines", MaxLines)) {
		return nil
	}
	out := make([]Line, len(lines))
	for i, l := range lines {
		path := fmt.Sprintf("lines[%d]", i)
		v.Check(l.MenuItemID != "", path+".menu_item_id", "is required")
		l.Name = v.Text(path+".name", l.Name, 1, MaxNameLength)
		v.Check(l.Quantity >= 1 && l.Quantity <= MaxQuantity, path+".quantity", fmt.Sprintf("must be between 1 and %d", MaxQuantity))
		out[i] = l
	}
	return out
}

func notFound() error { return domain.Errorf(domain.CodeTicketNotFound, "ticket not found") }
