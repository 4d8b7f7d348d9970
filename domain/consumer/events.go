package consumer

import (
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain/event"
)

// Event type names, as stored.
const (
	TypeConsumerRegistered  = "ConsumerRegistered"
	TypeConsumerSuspended   = "ConsumerSuspended"
	TypeConsumerReactivated = "ConsumerReactivated"
	TypeConsumerVerified    = "ConsumerVerified"
)

// ConsumerRegistered records that a consumer was registered with a name and email; the
// consumer starts active.
type ConsumerRegistered struct {
	ConsumerID uuid.UUID `json:"consumer_id"`
	Name       string    `json:"name"`
	Email      string    `json:"email"`
}

// ConsumerSuspended records that the consumer may no longer place orders, and why.
type ConsumerSuspended struct {
	ConsumerID uuid.UUID `json:"consumer_id"`
	Reason     string    `json:"reason"`
}

// ConsumerReactivated records that a suspension was lifted: the consumer may place orders again.
type ConsumerReactivated struct {
	ConsumerID uuid.UUID `json:"consumer_id"`
}

// ConsumerVerified records that the consumer was allowed to place OrderID.
type ConsumerVerified struct {
	ConsumerID uuid.UUID `json:"consumer_id"`
	OrderID    uuid.UUID `json:"order_id"`
}

func (ConsumerRegistered) EventType() string  { return TypeConsumerRegistered }
func (ConsumerSuspended) EventType() string   { return TypeConsumerSuspended }
func (ConsumerReactivated) EventType() string { return TypeConsumerReactivated }
func (ConsumerVerified) EventType() string    { return TypeConsumerVerified }

func (ConsumerRegistered) SchemaVersion() int  { return 1 }
func (ConsumerSuspended) SchemaVersion() int   { return 1 }
func (ConsumerReactivated) SchemaVersion() int { return 1 }
func (ConsumerVerified) SchemaVersion() int    { return 1 }

// RegisterEvents adds this context's events to r.
func RegisterEvents(r *event.Registry) {
	event.Register[ConsumerRegistered](r)
	event.Register[ConsumerSuspended](r)
	event.Register[ConsumerReactivated](r)
	event.Register[ConsumerVerified](r)
}
