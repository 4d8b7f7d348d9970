package kitchen

import (
	"slices"

	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain/event"
)

// Status is where a ticket is in the kitchen. The zero Status means no ticket.
type Status string

// The statuses of a ticket, in the order a ticket normally goes through them; a ticket
// ends REJECTED or CANCELED instead when the restaurant declines it or it is withdrawn.
const (
	StatusAwaitingAcceptance Status = "AWAITING_ACCEPTANCE"
	StatusAccepted           Status = "ACCEPTED"
	StatusRejected           Status = "REJECTED"
	StatusPreparing          Status = "PREPARING"
	StatusReadyForPickup     Status = "READY_FOR_PICKUP"
	StatusPickedUp           Status = "PICKED_UP"
	StatusCanceled           Status = "CANCELED"
)

// State is a ticket rebuilt from its stream.
type State struct {
	ID           uuid.UUID // equals OrderID
	OrderID      uuid.UUID
	RestaurantID uuid.UUID
	Lines        []Line
	Status       Status
	RejectReason string
	CancelReason string
}

// Exists reports whether the ticket was created.
func (s State) Exists() bool { return s.Status != "" }

// Fold rebuilds a ticket from its events, oldest first (see event.Fold).
func Fold(events ...event.Event) State { return event.Fold[State](events...) }

// Apply folds one event into the state; events it does not know are ignored.
func (s *State) Apply(e event.Event) {
	switch e := e.(type) {
	case TicketCreated:
		s.ID, s.OrderID, s.RestaurantID = e.TicketID, e.OrderID, e.RestaurantID
		s.Lines, s.Status = slices.Clone(e.Lines), StatusAwaitingAcceptance
	case TicketAccepted:
		s.Status = StatusAccepted
	case TicketRejected:
		s.Status, s.RejectReason = StatusRejected, e.Reason
	case TicketCanceled:
		s.Status, s.CancelReason = StatusCanceled, e.Reason
	case TicketRevised:
		s.Lines = slices.Clone(e.Lines)
	case TicketPreparationStarted:
		s.Status = StatusPreparing
	case TicketReadyForPickup:
		s.Status = StatusReadyForPickup
	case TicketPickedUp:
		s.Status = StatusPickedUp
	}
}
