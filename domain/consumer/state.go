package consumer

import (
	"github.com/google/uuid"

	"github.com/orderflow/orderflow/domain/event"
)

// Status is a consumer's standing. The zero Status means not registered.
type Status string

// The statuses of a registered consumer: whether it may place orders.
const (
	StatusActive    Status = "ACTIVE"
	StatusSuspended Status = "SUSPENDED"
)

// State is a consumer rebuilt from its stream. Copies share the set of verified
// orders, so Apply to one copy only; the decisions never modify the state they get.
type State struct {
	ID              uuid.UUID
	Name            string
	Email           string
	Status          Status
	SuspendedReason string
	// verified holds the orders this consumer was verified for, so a retried
	// verification step appends nothing.
	verified map[uuid.UUID]struct{}
}

// Registered reports whether the consumer exists.
func (s State) Registered() bool { return s.Status != "" }

// VerifiedFor reports whether the consumer was already verified for orderID.
func (s State) VerifiedFor(orderID uuid.UUID) bool {
	_, ok := s.verified[orderID]
	return ok
}

// Fold rebuilds a consumer from its events, oldest first (see event.Fold).
func Fold(events ...event.Event) State { return event.Fold[State](events...) }

// Apply folds one event into the state. Events of other contexts are ignored, so a
// caller may feed a mixed stream without filtering.
func (s *State) Apply(e event.Event) {
	switch e := e.(type) {
	case ConsumerRegistered:
		s.ID, s.Name, s.Email, s.Status = e.ConsumerID, e.Name, e.Email, StatusActive
	case ConsumerSuspended:
		s.Status, s.SuspendedReason = StatusSuspended, e.Reason
	case ConsumerReactivated:
		s.Status, s.SuspendedReason = StatusActive, ""
	case ConsumerVerified:
		if s.verified == nil {
			s.verified = make(map[uuid.UUID]struct{})
		}
		s.verified[e.OrderID] = struct{}{}
	}
}
