package consumer

import (
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain/event"
)

// Category is the stream category of consumers.
const Category = "consumer"

// StreamName is the stream of one consumer: consumer-<id>.
func StreamName(id uuid.UUID) string { return event.StreamName(Category, id) }
