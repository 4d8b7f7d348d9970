package kitchen

import (
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain/event"
)

// Category is the stream category of tickets.
const Category = "ticket"

// StreamName is the stream of the ticket of an order: ticket-<orderId>.
func StreamName(orderID uuid.UUID) string { return event.StreamName(Category, orderID) }
