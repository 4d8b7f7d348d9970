package kitchen

import (
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain/event"
)

// Event type names, as stored.
const (
	TypeTicketCreated            = "TicketCreated"
	TypeTicketAccepted           = "TicketAccepted"
	TypeTicketRejected           = "TicketRejected"
	TypeTicketCanceled           = "TicketCanceled"
	TypeTicketRevised            = "TicketRevised"
	TypeTicketPreparationStarted = "TicketPreparationStarted"
	TypeTicketReadyForPickup     = "TicketReadyForPickup"
	TypeTicketPickedUp           = "TicketPickedUp"
)

// Line is what the kitchen cooks; prices are none of its business.
type Line struct {
	MenuItemID string `json:"menu_item_id"`
	Name       string `json:"name"`
	Quantity   int    `json:"quantity"`
}

// TicketCreated records that the kitchen of RestaurantID received the ticket of an order,
// which waits for the restaurant to accept it.
type TicketCreated struct {
	TicketID     uuid.UUID `json:"ticket_id"`
	OrderID      uuid.UUID `json:"order_id"`
	RestaurantID uuid.UUID `json:"restaurant_id"`
	Lines        []Line    `json:"lines"`
}

// TicketAccepted records that the restaurant took the order.
type TicketAccepted struct {
	TicketID uuid.UUID `json:"ticket_id"`
}

// TicketRejected records that the restaurant declined the order; Reason may be empty.
type TicketRejected struct {
	TicketID uuid.UUID `json:"ticket_id"`
	Reason   string    `json:"reason"`
}

// TicketCanceled is the compensation of TicketCreated, or a cancel after approval.
type TicketCanceled struct {
	TicketID uuid.UUID `json:"ticket_id"`
	Reason   string    `json:"reason"`
}

// TicketRevised records that the ticket's lines were replaced before the kitchen started cooking.
type TicketRevised struct {
	TicketID uuid.UUID `json:"ticket_id"`
	Lines    []Line    `json:"lines"`
}

// TicketPreparationStarted records that the kitchen started cooking an accepted ticket.
type TicketPreparationStarted struct {
	TicketID uuid.UUID `json:"ticket_id"`
}

// TicketReadyForPickup records that the food is cooked and waits for the courier.
type TicketReadyForPickup struct {
	TicketID uuid.UUID `json:"ticket_id"`
}

// TicketPickedUp records that the courier took the food from the kitchen.
type TicketPickedUp struct {
	TicketID uuid.UUID `json:"ticket_id"`
}

func (TicketCreated) EventType() string            { return TypeTicketCreated }
func (TicketAccepted) EventType() string           { return TypeTicketAccepted }
func (TicketRejected) EventType() string           { return TypeTicketRejected }
func (TicketCanceled) EventType() string           { return TypeTicketCanceled }
func (TicketRevised) EventType() string            { return TypeTicketRevised }
func (TicketPreparationStarted) EventType() string { return TypeTicketPreparationStarted }
func (TicketReadyForPickup) EventType() string     { return TypeTicketReadyForPickup }
func (TicketPickedUp) EventType() string           { return TypeTicketPickedUp }

func (TicketCreated) SchemaVersion() int            { return 1 }
func (TicketAccepted) SchemaVersion() int           { return 1 }
func (TicketRejected) SchemaVersion() int           { return 1 }
func (TicketCanceled) SchemaVersion() int           { return 1 }
func (TicketRevised) SchemaVersion() int            { return 1 }
func (TicketPreparationStarted) SchemaVersion() int { return 1 }
func (TicketReadyForPickup) SchemaVersion() int     { return 1 }
func (TicketPickedUp) SchemaVersion() int           { return 1 }

// RegisterEvents adds this context's events to r.
func RegisterEvents(r *event.Registry) {
	event.Register[TicketCreated](r)
	event.Register[TicketAccepted](r)
	event.Register[TicketRejected](r)
	event.Register[TicketCanceled](r)
	event.Register[TicketRevised](r)
	event.Register[TicketPreparationStarted](r)
	event.Register[TicketReadyForPickup](r)
	event.Register[TicketPickedUp](r)
}
