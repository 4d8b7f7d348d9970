package order

import (
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain/event"
)

// Category is the stream category of orders.
const Category = "order"

// StreamName is the stream of one order: order-<id>.
func StreamName(id uuid.UUID) string { return event.StreamName(Category, id) }
