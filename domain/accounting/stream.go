package accounting

import (
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain/event"
)

// Category is the stream category of accounts.
const Category = "account"

// StreamName is the stream of a consumer's account: account-<consumerId>.
func StreamName(consumerID uuid.UUID) string { return event.StreamName(Category, consumerID) }
