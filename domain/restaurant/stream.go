package restaurant

import (
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain/event"
)

// Category is the stream category of restaurants.
const Category = "restaurant"

// StreamName is the stream of one restaurant: restaurant-<id>.
func StreamName(id uuid.UUID) string { return event.StreamName(Category, id) }
